import HydraBuilder
import HydraTestSupport
import Testing

@Suite(".dockerignore")
struct DockerIgnoreTests {
    @Test("Docker's pattern rules: segments, **, classes, exceptions, parents, the last match wins")
    func rules() throws {
        let ignore = try DockerIgnore(parsing: """
            # comments and blank lines are skipped

            *.log
            /build
            **/node_modules
            docs/**/*.md
            !docs/README.md
            tmp?
            [abc].txt
            secrets/
            !secrets/public.pem
            ./dist/../out
            """)
        let excluded = ["app.log", "build", "build/x/y.o", "node_modules", "a/b/node_modules/pkg/index.js", "docs/guide.md",
                        "docs/deep/er/notes.md", "tmp1", "a.txt", "secrets/key", "out/file"]
        let kept = ["src/app.log", "builder", "src/main.swift", "docs/README.md", "docs/image.png", "tmp12", "d.txt",
                    "secrets/public.pem", "dist/file"]
        for path in excluded { #expect(ignore.excludes(path), "\(path) should be excluded") }
        for path in kept { #expect(!ignore.excludes(path), "\(path) should be kept") }
        #expect(ignore.hasExceptions)
    }

    @Test("an exception after a broader pattern re-includes; a later exclusion wins again")
    func order() throws {
        let ignore = try DockerIgnore(parsing: "*\n!keep/\n**/*.tmp\n")
        #expect(ignore.excludes("anything"))
        #expect(!ignore.excludes("keep/file"))
        #expect(ignore.excludes("keep/file.tmp"))
        // `*` stays within one path segment: a top-level `*.tmp` leaves keep/other.tmp alone.
        #expect(try !DockerIgnore(parsing: "*.tmp").excludes("keep/other.tmp"))
        #expect(try !DockerIgnore(parsing: "").excludes("x"))
    }

    @Test("<Dockerfile>.dockerignore beside the Dockerfile wins over the context's .dockerignore")
    func dockerfileSpecificIgnore() throws {
        let tmp = TemporaryDirectory()
        try tmp.write("context/.dockerignore", "*.log\n")
        try tmp.write("context/app.log", "log\n")
        try tmp.write("context/secret.env", "x\n")
        try tmp.write("build/app.Dockerfile", "FROM scratch\n")
        try tmp.write("build/app.Dockerfile.dockerignore", "*.env\n")
        let specific = try BuildContext(root: tmp("context"), dockerfile: tmp("build/app.Dockerfile"))
        #expect(specific.excludes("secret.env") && !specific.excludes("app.log"))
        let plain = try BuildContext(root: tmp("context"), dockerfile: tmp("build/other.Dockerfile"))
        #expect(plain.excludes("app.log") && !plain.excludes("secret.env"))
        #expect(throws: BuildError.self) { try plain.resolve("app.log") }
        #expect(try plain.resolve("*.env") == ["secret.env"])
    }
}
