namespace GoSeqZero.Trainer.Cli;

/// <summary>A verb of the goseqzero program: its options are its fields, Run is what it does (exit code).</summary>
internal interface ICommand
{
    int Run();
}
