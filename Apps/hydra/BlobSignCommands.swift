import ArgumentParser
import Foundation
import HydraCore
import HydraSigner

/// `hydra sign-blob FILE --key KEY`: a signature over a file as cosign makes one (base64 on stdout), optionally a
/// Sigstore bundle (v0.3) beside it. Offline: nothing goes to a transparency log.
struct SignBlobCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign-blob", abstract: "Sign a file with a key; print the signature (base64).")

    @Argument(help: "The file to sign.")
    var file: String

    @Option(help: "The private key (cosign's sealed format or PEM).")
    var key: String

    @Option(help: "Also write the signature (base64) to this file.")
    var outputSignature: String?

    @Option(help: "Write a Sigstore bundle (v0.3, cosign's --new-bundle-format) to this file.")
    var bundle: String?

    @OptionGroup var password: PasswordOptions
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await options.run {
            let signed = try BlobSignature.sign(file: file, key: try KeyFiles.privateKey(at: key, password: password.source))
            let encoded = Data(signed.signature).base64EncodedString()
            if let outputSignature { try FileSystem.writeAtomically(Array(encoded.utf8), to: outputSignature) }
            if let bundle {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                try FileSystem.writeAtomically(Array(try encoder.encode(signed.bundle)), to: bundle)
            }
            if options.format == .json { return try Console.json(signed.bundle) }
            Console.print(encoded)
        }
    }
}

/// `hydra verify-blob FILE --key PUB (--signature SIG | --bundle BUNDLE)`. Exit 0 verified, 1 when the signature
/// does not verify, 2 when it could not be checked (as cosign).
struct VerifyBlobCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-blob", abstract: "Verify a file's signature (base64, or in a Sigstore bundle) with a public key.",
        discussion: "Exit status: 0 verified; 1 the signature does not verify; 2 it could not be checked (a file or key that cannot be read).")

    @Argument(help: "The file that was signed.")
    var file: String

    @Option(help: "The public key (or a private key file, whose public half is used).")
    var key: String

    @Option(help: "The signature: a file holding it in base64.")
    var signature: String?

    @Option(help: "A Sigstore bundle holding the signature.")
    var bundle: String?

    @OptionGroup var password: PasswordOptions
    @OptionGroup var options: GlobalOptions

    func validate() throws {
        if (signature == nil) == (bundle == nil) { throw ValidationError("give the signature with --signature or --bundle (one of them)") }
    }

    func run() async throws {
        try await options.run {
            let verified: Bool
            do {
                let publicKey = try KeyFiles.publicKey(at: key, password: password.source)
                if let bundle {
                    let decoded = try JSONDecoder().decode(SigstoreBundle.self, from: try Data(contentsOf: URL(fileURLWithPath: bundle)))
                    let parts = try BlobSignature.parts(of: decoded, file: bundle)
                    verified = try BlobSignature.verify(file: file, signature: parts.signature, bundleDigest: parts.digest, key: publicKey)
                } else if let signature {
                    let text = try String(contentsOfFile: signature, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                    guard let bytes = Data(base64Encoded: text) else { throw SignatureError.malformed(file: signature, reason: "not base64") }
                    verified = try BlobSignature.verify(file: file, signature: Array(bytes), key: publicKey)
                } else {
                    verified = false
                }
            } catch {
                throw CouldNotVerify(reason: "\(error)")
            }
            if options.format == .json { try Console.json(["verified": verified]) } else if verified { Console.print("Verified OK") }
            if !verified { throw NotVerified(what: file) }
        }
    }
}

/// A signature was checked and does not verify: exit 1.
struct NotVerified: Error, CustomStringConvertible {
    let what: String
    var description: String { "\(what): no signature verifies with this key" }
}

/// The signature could not be checked at all (an unreadable key, file or bundle): exit 2, as cosign.
struct CouldNotVerify: Error, CustomStringConvertible {
    let reason: String
    var description: String { "could not verify: \(reason)" }
}
