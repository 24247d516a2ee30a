import ArgumentParser
import Foundation
import HydraSigner

/// `hydra key`: signing keys in cosign's format (`cosign.key` sealed with a password, `cosign.pub`).
struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key", abstract: "Create and convert signing keys (cosign's format).",
        subcommands: [KeyGenerateCommand.self, KeyPublicCommand.self, KeyImportCommand.self])
}

/// Where a key's password comes from.
struct PasswordOptions: ParsableArguments {
    @Option(help: "Read the password from this file's first line (default: $HYDRA_PASSWORD or $COSIGN_PASSWORD, else a prompt).")
    var passwordFile: String?

    var source: KeyPassword { KeyPassword(file: passwordFile) }
}

struct KeyGenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Generate an ECDSA P-256 key pair: PREFIX.key (sealed with a password) and PREFIX.pub.")

    @Option(help: "The key files' name without extension.")
    var outputKeyPrefix = "cosign"

    @OptionGroup var password: PasswordOptions
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            let secret = try password.source.read(prompt: "Enter a password for the new key: ", confirm: true)
            let paths = try KeyFiles.generate(prefix: outputKeyPrefix, password: secret)
            Console.print("Private key written to \(paths.key)")
            Console.print("Public key written to \(paths.pub)")
        }
    }
}

struct KeyPublicCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "public", abstract: "Print the public key (PKIX PEM) of a private or public key file.")

    @Argument(help: "A key file: cosign's sealed format, PKCS#8, SEC1 or PKCS#1 PEM, or a public key.")
    var key: String

    @OptionGroup var password: PasswordOptions
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            Console.print(String(try KeyFiles.publicKey(at: key, password: password.source).pemRepresentation.dropLast()))
        }
    }
}

struct KeyImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Seal a foreign private key (PKCS#8, SEC1, PKCS#1 PEM) in cosign's format: PREFIX.key and PREFIX.pub.",
        discussion: "The key file's password, if it is sealed, comes from --password-file or the environment; the new one too (or a prompt).")

    @Argument(help: "The private key to import.")
    var key: String

    @Option(help: "The key files' name without extension.")
    var outputKeyPrefix = "import-cosign"

    @OptionGroup var password: PasswordOptions
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            let imported = try KeyFiles.privateKey(at: key, password: password.source)
            let secret = try password.source.read(prompt: "Enter a password for the imported key: ", confirm: true)
            let paths = try KeyFiles.write(imported, prefix: outputKeyPrefix, password: secret)
            Console.print("Private key written to \(paths.key)")
            Console.print("Public key written to \(paths.pub)")
        }
    }
}
