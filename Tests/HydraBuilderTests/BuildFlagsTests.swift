import Foundation
import HydraBuilder
import HydraCore
import HydraTestSupport
import Testing

@Suite("hydra build: flag values")
struct BuildFlagsTests {
    @Test("--secret from a file or an environment variable (a private 0600 file), and what is wrong with bad ones")
    func secrets() throws {
        let dir = TemporaryDirectory()
        let file = try BuildFlags.secret("id=npm,src=/home/me/.npmrc", temporaryDirectory: dir("tmp"))
        #expect(file.id == "npm" && file.file == "/home/me/.npmrc" && !file.temporary)
        let env = try BuildFlags.secret("id=token,env=TOKEN", temporaryDirectory: dir("tmp"), environment: ["TOKEN": "s3cret"])
        let written = String(decoding: try FileSystem.readFile(env.file), as: UTF8.self)
        #expect(env.temporary && written == "s3cret")
        let mode = try FileManager.default.attributesOfItem(atPath: env.file)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        for (text, reason) in [("src=/x", "needs id=NAME"), ("id=a", "src=FILE or env=VARIABLE"), ("id=a,env=UNSET", "is not set"), ("id=a,junk", "not KEY=VALUE")] {
            #expect { try BuildFlags.secret(text, temporaryDirectory: dir("tmp"), environment: [:]) } throws: { "\($0)".contains(reason) }
        }
    }

    @Test("--ssh, --build-arg and --output type=…")
    func others() throws {
        let fromEnvironment = try BuildFlags.sshAgent("default", environment: ["SSH_AUTH_SOCK": "/run/agent"])
        #expect(fromEnvironment.id == "default" && fromEnvironment.socket == "/run/agent")
        let given = try BuildFlags.sshAgent("git=/tmp/sock", environment: [:])
        #expect(given.id == "git" && given.socket == "/tmp/sock")
        #expect(throws: BuildFlags.Invalid.self) { try BuildFlags.sshAgent("default", environment: [:]) }
        #expect(BuildFlags.buildArgs(["A=1", "B=x=y", "FROM_ENV", "MISSING"], environment: ["FROM_ENV": "e"]) == ["A": "1", "B": "x=y", "FROM_ENV": "e"])
        #expect(try BuildFlags.export("type=oci,dest=out.tar") == .ociArchive("out.tar"))
        #expect(try BuildFlags.export("dest=d.tar,type=docker") == .dockerArchive("d.tar"))
        #expect(throws: BuildFlags.Invalid.self) { try BuildFlags.export("type=tar,dest=x") }
        #expect(throws: BuildFlags.Invalid.self) { try BuildFlags.export("type=oci") }
    }

    @Test("a bad --output is a usage error before anything is built")
    func usage() throws {
        let dir = TemporaryDirectory()
        try dir.write("context/Dockerfile", "FROM scratch\n")
        let result = try Tool.run([HydraBinary.path, "build", dir("context"), "-o", "type=tar,dest=x"], environment: ["HYDRA_HOME": dir("home")])
        #expect(result.status == 2 && result.stderr.contains("type must be oci or docker"), "\(result.stderr)")
    }
}
