import Foundation
import HydraCore
import HydraOCI
import HydraTestSupport
import Testing

/// `credsStore` and `credHelpers`: secrets kept by a `docker-credential-*` program, not in config.json.
@Suite("credential helpers", .serialized)
struct CredentialHelperTests {
    /// A real helper speaking Docker's protocol, keeping `server user secret` lines in $HELPER_STORE.
    static let helperScript = """
        #!/bin/sh
        store="${HELPER_STORE:?}"
        touch "$store"
        case "$1" in
        get)
          read -r server
          line=$(grep "^$server " "$store" | tail -n 1)
          [ -n "$line" ] || { echo "credentials not found in native keychain"; exit 1; }
          set -- $line
          printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}\\n' "$1" "$2" "$3" ;;
        store)
          json=$(cat)
          server=$(printf '%s' "$json" | jq -r .ServerURL)
          grep -v "^$server " "$store" > "$store.new"
          printf '%s %s %s\\n' "$server" "$(printf '%s' "$json" | jq -r .Username)" "$(printf '%s' "$json" | jq -r .Secret)" >> "$store.new"
          mv "$store.new" "$store" ;;
        erase)
          read -r server
          grep -q "^$server " "$store" || { echo "credentials not found in native keychain"; exit 1; }
          grep -v "^$server " "$store" > "$store.new"
          mv "$store.new" "$store" ;;
        *) exit 2 ;;
        esac
        """

    @Test("login stores the secret in the credsStore helper, push and pull read it from there, logout erases it")
    func credsStore() throws {
        let registry = try RegistryProcess(arguments: ["--htpasswd", "DATA/htpasswd"]) { dir in
            try dir.write("htpasswd", try Tool.run(["htpasswd", "-nbB", "ci", "s3cret"]).stdout)
        }
        let tmp = TemporaryDirectory()
        try tmp.write("bin/docker-credential-hydratest", Self.helperScript, mode: 0o755)
        try tmp.write("auth.json", #"{"credsStore": "hydratest", "auths": {}}"#)
        let path = tmp("bin") + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let environment = ["HYDRA_HOME": tmp("home"), "REGISTRY_AUTH_FILE": tmp("auth.json"), "HELPER_STORE": tmp("helper-store"), "PATH": path]
        let hydra = { (arguments: [String]) in try Tool.run([HydraBinary.path] + arguments, environment: environment) }

        let login = try hydra(["login", registry.host, "-u", "ci", "-p", "s3cret", "--tls-verify=false"])
        #expect(login.succeeded, "\(login.stderr)")
        let stored = try String(contentsOfFile: tmp("helper-store"), encoding: .utf8)
        #expect(stored == "\(registry.host) ci s3cret\n")
        let file = try String(contentsOfFile: tmp("auth.json"), encoding: .utf8)
        #expect(file.contains(registry.host) && !file.contains("s3cret") && !file.contains(Data("ci:s3cret".utf8).base64EncodedString()),
                "the file records the registry, not the secret: \(file)")

        let (layout, _) = try TestImage.layout(in: tmp, files: ["etc/motd": "helper\n"])
        let push = try hydra(["copy", "oci:\(layout.path):v1", "docker://\(registry.host)/team/app:v1", "--dest-tls-verify=false"])
        #expect(push.succeeded, "\(push.stderr)")
        #expect(try hydra(["pull", "\(registry.host)/team/app:v1", "--tls-verify=false"]).succeeded)

        #expect(try hydra(["logout", registry.host]).succeeded)
        #expect(try String(contentsOfFile: tmp("helper-store"), encoding: .utf8).isEmpty)
        let after = try hydra(["pull", "\(registry.host)/team/app:v1", "--tls-verify=false"])
        #expect(after.status == 1 && after.stderr.contains("authentication required"), "\(after.stderr)")
    }

    @Test("credHelpers picks a helper per registry, as skopeo does; a missing helper is named in the error")
    func credHelpers() throws {
        let registry = try RegistryProcess(arguments: ["--htpasswd", "DATA/htpasswd"]) { dir in
            try dir.write("htpasswd", try Tool.run(["htpasswd", "-nbB", "ci", "s3cret"]).stdout)
        }
        let tmp = TemporaryDirectory()
        try tmp.write("bin/docker-credential-hydratest", Self.helperScript, mode: 0o755)
        try tmp.write("helper-store", "\(registry.host) ci s3cret\n")
        try tmp.write("auth.json", #"{"credHelpers": {"\#(registry.host)": "hydratest", "elsewhere.example": "absent"}}"#)
        let path = tmp("bin") + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let environment = ["HYDRA_HOME": tmp("home"), "REGISTRY_AUTH_FILE": tmp("auth.json"), "HELPER_STORE": tmp("helper-store"), "PATH": path]
        let (layout, document) = try TestImage.layout(in: tmp, files: ["etc/motd": "helpers\n"])
        let push = try Tool.run([HydraBinary.path, "copy", "oci:\(layout.path):v1", "docker://\(registry.host)/team/app:v1", "--dest-tls-verify=false"],
                                environment: environment)
        #expect(push.succeeded, "\(push.stderr)")
        let skopeo = try Tool.run(["skopeo", "inspect", "--raw", "--tls-verify=false", "--authfile", tmp("auth.json"), "docker://\(registry.host)/team/app:v1"],
                                  environment: environment)
        #expect(Digest.of(Array(skopeo.stdout.utf8)) == document.digest, "skopeo asks the same helper: \(skopeo.stderr)")
        let missing = try Tool.run([HydraBinary.path, "pull", "elsewhere.example/team/app:v1"], environment: environment)
        #expect(missing.status == 1 && missing.stderr.contains("docker-credential-absent"), "\(missing.stderr)")
    }
}
