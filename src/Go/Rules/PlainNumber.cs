using System.Globalization;

namespace GoSeqZero.Go;

/// <summary>
/// Komi and scores as GTP controllers and SGF readers expect them: the shortest digits that read back as the same
/// double, never in exponent form (the round-trip format writes 0.00001 as "1E-05", which SGF's real type forbids).
/// </summary>
public static class PlainNumber
{
    public static string Format(double value)
    {
        if (!double.IsFinite(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "only finite numbers have a plain form");
        if (value < 0) return "-" + Format(-value);
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        var exponentAt = text.IndexOf('E');
        if (exponentAt < 0) return text;
        var mantissa = text[..exponentAt];
        var digits = mantissa.Replace(".", "", StringComparison.Ordinal);
        var pointAt = mantissa.IndexOf('.');
        var integerDigits = (pointAt < 0 ? mantissa.Length : pointAt) + int.Parse(text[(exponentAt + 1)..], CultureInfo.InvariantCulture);
        if (integerDigits <= 0) return "0." + new string('0', -integerDigits) + digits;
        if (integerDigits >= digits.Length) return digits + new string('0', integerDigits - digits.Length);
        return digits[..integerDigits] + "." + digits[integerDigits..];
    }
}
