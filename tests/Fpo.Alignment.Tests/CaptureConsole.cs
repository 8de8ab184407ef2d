// TensorComparison prints one line of errors per tensor; this shows those lines in the test output.
[assembly: CaptureConsole]
