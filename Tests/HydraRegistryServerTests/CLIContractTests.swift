import Foundation
import HydraCore
import HydraTestSupport
import Testing

/// One CLI contract for every command (Docs/cli.md): `--format table|json`, `-o/--output FILE`, exit statuses from
/// one table, JSON error objects, what docker users type.
@Suite("hydra CLI contract", .serialized)
struct CLIContractTests {
    let dir = TemporaryDirectory("hydra-contract")

    func hydra(_ arguments: [String]) throws -> Tool.Result {
        try Tool.run([HydraBinary.path] + arguments, environment: ["HYDRA_HOME": dir("home"), "REGISTRY_AUTH_FILE": dir("auth.json")])
    }

    func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    /// Imports a small image as `name`; its digest.
    func image(_ name: String) throws -> String {
        try dir.write("rootfs.d/bin/hello", "#!/bin/sh\necho hello\n", mode: 0o755)
        let sink = try FileSink(creating: dir("rootfs.tar"))
        try DirectoryArchiver(root: dir("rootfs.d"), options: .init(modificationTimeLimit: 0, owner: (0, 0))).write(into: sink)
        let imported = try hydra(["image", "import", dir("rootfs.tar"), name, "--change", "CMD [\"/bin/hello\"]", "--format", "json"])
        let object = try #require(try json(imported.stdout) as? [String: Any], "\(imported.stderr)")
        return try #require(object["digest"] as? String)
    }

    @Test("usage errors exit 2: unknown commands get the nearest real one, unknown flags and bad values say so")
    func usage() throws {
        for (arguments, expected) in [(["imags"], "did you mean \"hydra image"), (["image", "lss"], "did you mean \"hydra image ls\""),
                                      (["scna", "x"], "did you mean \"hydra scan\""), (["frobnicate"], "unknown command \"hydra frobnicate\"")] {
            let result = try hydra(arguments)
            #expect(result.status == 2 && result.stderr.contains(expected), "\(arguments): \(result.stderr)")
        }
        #expect(try hydra(["image", "ls", "--bogus"]).status == 2)
        #expect(try hydra(["image", "ls", "--format", "yaml"]).status == 2)
        #expect(try hydra(["image", "save", "x"]).status == 2, "save needs -o")
        // --help lists only commands that exist: each one listed answers its own --help.
        let help = try hydra(["--help"])
        let listed = help.stdout.components(separatedBy: "SUBCOMMANDS:").last?.split(separator: "\n")
            .compactMap { line in line.hasPrefix("  ") && !line.hasPrefix("   ") ? line.split(separator: " ").first.map(String.init) : nil } ?? []
        #expect(listed.contains("images") && listed.contains("rmi") && listed.count > 15, "\(listed)")
        for command in listed where command != "See" {
            #expect(try hydra([command, "--help"]).succeeded, "\(command)")
        }
    }

    @Test("failures exit 1 with one line on stderr, and with --format json an error object on stdout")
    func failures() throws {
        let text = try hydra(["image", "inspect", "missing:1"])
        #expect(text.status == 1 && text.stderr.hasPrefix("hydra: ") && text.stdout.isEmpty, "\(text.stderr)")
        let object = try hydra(["image", "inspect", "missing:1", "--format", "json"])
        let error = try #require((try json(object.stdout) as? [String: Any])?["error"] as? [String: Any], "\(object.stdout)")
        #expect(object.status == 1 && error["exitCode"] as? Int == 1 && (error["message"] as? String)?.contains("missing") == true)
        #expect(try hydra(["logout", "nowhere.example", "--format", "json"]).status == 1)
    }

    @Test("-o FILE writes the result there whole (nothing on stdout); a failed command leaves no file")
    func outputFile() throws {
        let digest = try image("contract/app:1")
        let listed = try hydra(["image", "ls", "--format", "json", "-o", dir("list.json")])
        #expect(listed.succeeded && listed.stdout.isEmpty, "\(listed.stderr)")
        let rows = try #require(try json(try String(contentsOfFile: dir("list.json"), encoding: .utf8)) as? [[String: Any]])
        #expect(rows.first?["digest"] as? String == digest && rows.first?["size"] is Int)
        let failed = try hydra(["image", "inspect", "missing:1", "-o", dir("nothing.txt")])
        #expect(failed.status == 1 && !FileManager.default.fileExists(atPath: dir("nothing.txt")))
    }

    @Test("what docker users type: images (-q, --digests), rmi, image tag, history, prune, load -i")
    func dockerWords() throws {
        let digest = try image("contract/app:1")
        let id = String(digest.dropFirst(7).prefix(12))
        #expect(try hydra(["images"]).stdout.contains("IMAGE ID"))
        #expect(try hydra(["images", "-q"]).stdout == id + "\n")
        #expect(try hydra(["images", "--digests"]).stdout.contains(digest))
        #expect(try hydra(["image", "tag", id, "contract/app:2"]).succeeded)
        #expect(try hydra(["images"]).stdout.split(separator: "\n").count == 3)

        let history = try hydra(["image", "history", "contract/app:2", "--format", "json"])
        let steps = try #require(try json(history.stdout) as? [[String: Any]], "\(history.stderr)")
        #expect(steps.first?["createdBy"] as? String != nil && steps.contains { $0["layer"] is String && $0["size"] is Int })
        #expect(try hydra(["image", "history", "contract/app:2"]).stdout.contains("CREATED BY"))

        #expect(try hydra(["image", "save", "contract/app:1", "-o", dir("app.tar")]).succeeded)
        #expect(try hydra(["rmi", "contract/app:1", "contract/app:2"]).succeeded)
        #expect(try hydra(["images", "-q"]).stdout.isEmpty)
        let loaded = try hydra(["image", "load", "-i", dir("app.tar")])
        #expect(loaded.succeeded && loaded.stdout.contains(digest), "\(loaded.stderr)")

        // An untagged image (its name moved away) and its content go with prune; named images stay.
        #expect(try hydra(["image", "tag", id, "contract/keep:1"]).succeeded)
        let pruned = try hydra(["image", "prune", "--format", "json"])
        let report = try #require(try json(pruned.stdout) as? [String: Any], "\(pruned.stderr)")
        #expect(report["deletedBlobs"] as? Int == 0, "nothing unused yet: \(report)")
        #expect(try hydra(["image", "inspect", "contract/keep:1"]).succeeded)
    }

    @Test("login asks for the user name and the password (not echoed) on a terminal; --format json reports it")
    func loginPrompts() throws {
        let registry = try RegistryProcess(arguments: ["--htpasswd", "DATA/htpasswd"]) { data in
            try data.write("htpasswd", try Tool.run(["htpasswd", "-nbB", "alice", "s3cret-pw"]).stdout)
        }
        // Typed a line at a time, after each prompt, as a person would (the terminal echoes what it gets early).
        let command = "\(HydraBinary.path) login \(registry.host) --tls-verify=false"
        let typed = try Tool.run(["sh", "-c", "(sleep 1; printf 'alice\\n'; sleep 1; printf 's3cret-pw\\n') | script -qec '\(command)' /dev/null"], environment: [
            "HYDRA_HOME": dir("home"), "REGISTRY_AUTH_FILE": dir("auth.json"),
        ])
        #expect(typed.succeeded && typed.stdout.contains("Username:") && typed.stdout.contains("Password:"), "\(typed.stdout) \(typed.stderr)")
        #expect(typed.stdout.contains("Login Succeeded") && !typed.stdout.contains("s3cret-pw"), "the password is not echoed: \(typed.stdout)")
        #expect(try String(contentsOfFile: dir("auth.json"), encoding: .utf8).contains(registry.host))

        let noTerminal = try hydra(["login", registry.host, "--tls-verify=false"])
        #expect(noTerminal.status == 2 && noTerminal.stderr.contains("--username"), "\(noTerminal.stderr)")
        let piped = try Tool.run([HydraBinary.path, "login", registry.host, "-u", "alice", "--password-stdin", "--tls-verify=false", "--format", "json"],
                                 environment: ["HYDRA_HOME": dir("home"), "REGISTRY_AUTH_FILE": dir("auth.json")], input: Data("s3cret-pw\n".utf8))
        let object = try #require(try self.json(piped.stdout) as? [String: Any], "\(piped.stderr)")
        #expect(object["registry"] as? String == registry.host && object["username"] as? String == "alice")
        let logout = try #require(try self.json(try hydra(["logout", registry.host, "--format", "json"]).stdout) as? [String: Any])
        #expect(logout["registry"] as? String == registry.host)
    }
}
