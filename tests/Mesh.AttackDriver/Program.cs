using Mesh.AttackDriver;

// dotnet Mesh.AttackDriver.dll          attack a node in a child process and print its memory (see AttackMode)
// dotnet Mesh.AttackDriver.dll node     the attacked node (started by the attack mode)
return args is ["node"] ? await NodeMode.RunAsync() : await AttackMode.RunAsync(args);
