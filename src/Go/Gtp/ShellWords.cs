using System.Text;

namespace GoSeqZero.Go.Gtp;

/// <summary>
/// Splits a command line into program and arguments the way a POSIX shell would for plain words: whitespace
/// separates words, single quotes keep everything literally, double quotes keep everything except that a backslash
/// escapes <c>" \ $ `</c>, and outside quotes a backslash escapes any character. No variables, globs or pipes.
/// </summary>
internal static class ShellWords
{
    public static IReadOnlyList<string> Split(string commandLine)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var index = 0; index < commandLine.Length; index++)
        {
            var character = commandLine[index];
            if (char.IsWhiteSpace(character))
            {
                if (inWord) words.Add(word.ToString());
                word.Clear();
                inWord = false;
                continue;
            }
            inWord = true;
            switch (character)
            {
                case '\'':
                    var closing = commandLine.IndexOf('\'', index + 1);
                    if (closing < 0) throw Unterminated(commandLine, index, '\'');
                    word.Append(commandLine, index + 1, closing - index - 1);
                    index = closing;
                    break;
                case '"':
                    index = ReadDoubleQuoted(commandLine, index, word);
                    break;
                case '\\':
                    if (index + 1 == commandLine.Length)
                        throw new FormatException($"command line '{commandLine}' ends with a lone backslash; write \\\\ for a backslash");
                    word.Append(commandLine[++index]);
                    break;
                default:
                    word.Append(character);
                    break;
            }
        }
        if (inWord) words.Add(word.ToString());
        if (words.Count == 0) throw new FormatException("the command line is empty; expected a program and its arguments");
        return words;
    }

    /// <summary>The inverse of <see cref="Split"/>: words quoted only where they need it, for messages and names.</summary>
    public static string Join(IEnumerable<string> words) => string.Join(' ', words.Select(Quote));

    private static string Quote(string word) =>
        word.Length > 0 && word.All(character => char.IsLetterOrDigit(character) || "-_./:=+,@%".Contains(character))
            ? word
            : "'" + word.Replace("'", "'\\''") + "'";

    /// <summary>Appends the contents of the double-quoted part starting at <paramref name="open"/>; returns the index of its closing quote.</summary>
    private static int ReadDoubleQuoted(string commandLine, int open, StringBuilder word)
    {
        for (var index = open + 1; index < commandLine.Length; index++)
        {
            var character = commandLine[index];
            if (character == '"') return index;
            if (character == '\\' && index + 1 < commandLine.Length && "\"\\$`".Contains(commandLine[index + 1]))
                character = commandLine[++index];
            word.Append(character);
        }
        throw Unterminated(commandLine, open, '"');
    }

    private static FormatException Unterminated(string commandLine, int open, char quote) =>
        new($"command line '{commandLine}' has an unterminated {quote} quote at column {open + 1}; close it with a matching {quote}");
}
