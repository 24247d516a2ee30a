import Foundation
import HydraTestSupport
import Testing

/// The terminal prompt, driven through a real pseudo-terminal (Python's `pty`): asked twice for a new key, never
/// echoed, and two different answers refused.
@Suite("Key passwords on a terminal")
struct PasswordPromptTests {
    /// Runs `hydra ARGS…` on a pseudo-terminal, answering each password prompt with the next of `answers`; prints
    /// everything the terminal showed, then the exit status on the last line.
    static let driver = """
        import os, pty, sys, time
        hydra, workdir, answers, args = sys.argv[1], sys.argv[2], sys.argv[3].split(","), sys.argv[4:]
        env = {k: v for k, v in os.environ.items() if k not in ("HYDRA_PASSWORD", "COSIGN_PASSWORD")}
        pid, fd = pty.fork()
        if pid == 0:
            os.chdir(workdir)
            os.execve(hydra, [hydra] + args, env)
        seen, pending = b"", list(answers)
        while True:
            try:
                chunk = os.read(fd, 1024)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
            if pending and seen.rstrip().endswith(b":"):
                time.sleep(0.1)
                os.write(fd, (pending.pop(0) + "\\n").encode())
        _, status = os.waitpid(pid, 0)
        sys.stdout.write(seen.decode("utf-8", "replace") + "\\nEXIT %d\\n" % os.waitstatus_to_exitcode(status))
        """

    func run(_ arguments: [String], answers: [String], in directory: TemporaryDirectory) throws -> (shown: String, status: Int) {
        let result = try Tool.run(["python3", "-c", Self.driver, HydraBinary.path, directory.path, answers.joined(separator: ",")] + arguments,
                                  environment: ["HYDRA_HOME": directory("home")])
        #expect(result.succeeded, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        let status = Int(lines.last?.split(separator: " ").last ?? "") ?? -1
        return (result.stdout, status)
    }

    @Test("generate asks twice with echo off; the key opens with that password; two different answers are refused")
    func prompts() throws {
        let directory = TemporaryDirectory()
        let made = try run(["key", "generate", "--output-key-prefix", "tty"], answers: ["s3cret-words", "s3cret-words"], in: directory)
        #expect(made.status == 0, "\(made.shown)")
        #expect(made.shown.contains("Enter a password for the new key:") && made.shown.contains("Enter the password again:"))
        #expect(!made.shown.contains("s3cret-words"), "the password was echoed")
        #expect(FileManager.default.fileExists(atPath: directory("tty.key")))

        let opened = try run(["key", "public", "tty.key"], answers: ["s3cret-words"], in: directory)
        #expect(opened.status == 0 && opened.shown.contains("-----BEGIN PUBLIC KEY-----"), "\(opened.shown)")
        let wrong = try run(["key", "public", "tty.key"], answers: ["other-words"], in: directory)
        #expect(wrong.status == 1 && wrong.shown.contains("wrong password"))

        let differ = try run(["key", "generate", "--output-key-prefix", "mismatch"], answers: ["one", "two"], in: directory)
        #expect(differ.status == 1 && differ.shown.contains("differ"))
        #expect(!FileManager.default.fileExists(atPath: directory("mismatch.key")))
    }

    @Test("with no variable, no file and no terminal, hydra says how to give a password instead of waiting")
    func noTerminal() throws {
        let directory = TemporaryDirectory()
        let result = try Tool.run(["env", "-u", "HYDRA_PASSWORD", "-u", "COSIGN_PASSWORD", HydraBinary.path, "key", "generate",
                                   "--output-key-prefix", directory("none")], input: Data())
        #expect(result.status == 1 && result.stderr.contains("HYDRA_PASSWORD"))
        _ = try directory.write("password.txt", "from-a-file\nignored second line\n")
        let fromFile = try Tool.run(["env", "-u", "HYDRA_PASSWORD", "-u", "COSIGN_PASSWORD", HydraBinary.path, "key", "generate",
                                     "--output-key-prefix", directory("filed"), "--password-file", directory("password.txt")], input: Data())
        #expect(fromFile.succeeded, "\(fromFile.stderr)")
        let opened = try Tool.run([HydraBinary.path, "key", "public", directory("filed.key")], environment: ["HYDRA_PASSWORD": "from-a-file"])
        #expect(opened.succeeded, "\(opened.stderr)")
    }
}
