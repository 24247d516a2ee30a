/// Where a RUN step's process runs. Given the step's runtime spec (root file system, mounts, user, working
/// directory, environment, arguments, namespaces), a sandbox runs it to its end, hands each output line to
/// `output`, and is stopped by cancelling the task. Two exist: `RuncSandbox` (an OCI bundle run by runc) and
/// `ChrootSandbox` (namespaces and chroot, no runtime needed); `BuildIsolation` picks one.
protocol RunSandbox: Sendable {
    /// Runs the step; throws what `failure` makes of a non-zero exit status and the output's last lines.
    /// - Parameter directory: the step's private directory (for a bundle and the like).
    func run(_ spec: RuntimeSpec, in directory: String, output: @escaping @Sendable (String) -> Void,
             failure: (Int32, String) -> any Error) async throws
}

extension BuildIsolation {
    /// The sandbox this isolation runs steps in.
    func sandbox(stateDirectory: String) -> any RunSandbox {
        switch self {
        case .runc: RuncSandbox(stateRoot: stateDirectory + "/runc")
        case .chroot: ChrootSandbox()
        }
    }
}
