using DicomKit.Fuzzing;
using DicomKit.Fuzzing.Targets;
using SharpFuzz;

// Usage:
//   DicomKit.Fuzzing <target>                    run under the libFuzzer driver (Fuzzing/run.sh starts it so)
//   DicomKit.Fuzzing <target> <file>             run one input once, e.g. to reproduce a crash
//   DicomKit.Fuzzing write-seeds <corpus-dir>    write the generated PDU seeds into <corpus-dir>/<target>/
if (args.Length == 2 && args[0] == "write-seeds")
{
    SeedWriter.Write(args[1]);
    return 0;
}
if (args.Length is < 1 or > 2 || !FuzzTargets.Names.Contains(args[0]))
{
    Console.Error.WriteLine($"usage: DicomKit.Fuzzing <{string.Join("|", FuzzTargets.Names)}> [input-file] | write-seeds <corpus-dir>");
    return 2;
}
var target = args[0];
if (args.Length == 2)
{
    FuzzTargets.Run(target, File.ReadAllBytes(args[1]));
    Console.WriteLine($"{target}: {args[1]} handled");
    return 0;
}
// Under the driver, SharpFuzz runs each input the driver passes in shared memory and reports an escaping exception
// as a crash; the driver turns the instrumented code's trace map into libFuzzer's coverage.
Fuzzer.LibFuzzer.Run(span => FuzzTargets.Run(target, span));
return 0;
