import Foundation
import HydraSigner
import HydraTestSupport
import Testing

/// cosign's sealed key format, plain PEM keys made by OpenSSL, and bad key files.
@Suite("Signing keys: cosign's sealed format, PEM keys, bad files", .serialized)
struct KeyFileTests {
    let password = Array("correct horse".utf8)

    @Test("a generated pair seals and opens; the key file is 0600; an existing pair is not overwritten")
    func roundTrip() throws {
        let directory = TemporaryDirectory()
        let paths = try KeyFiles.generate(prefix: directory("signer"), password: password)
        #expect(paths.key == directory("signer.key") && paths.pub == directory("signer.pub"))
        let attributes = try FileManager.default.attributesOfItem(atPath: paths.key)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let text = try String(contentsOfFile: paths.key, encoding: .utf8)
        #expect(text.hasPrefix("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----"))

        let key = try KeyFiles.privateKey(at: paths.key, password: KeyPassword(environment: ["HYDRA_PASSWORD": "correct horse"]))
        let pub = try String(contentsOfFile: paths.pub, encoding: .utf8)
        #expect(key.publicKey.pemRepresentation == pub)
        let message = Array("a payload".utf8)
        let signature = try key.signature(for: message)
        #expect(key.publicKey.isValidSignature(signature, for: message))
        #expect(!key.publicKey.isValidSignature(signature, for: Array("another payload".utf8)))

        #expect(throws: KeyError.self) { try KeyFiles.generate(prefix: directory("signer"), password: password) }
        // COSIGN_PASSWORD works as cosign's scripts set it.
        #expect(throws: Never.self) { try KeyFiles.privateKey(at: paths.key, password: KeyPassword(environment: ["COSIGN_PASSWORD": "correct horse"])) }
    }

    @Test("the scrypt parameters a file names are the ones used; cosign's older label is read")
    func parameters() throws {
        let key = SigningKey.generate()
        let sealed = try SealedPrivateKey.seal(pkcs8: key.pkcs8, password: password, parameters: .init(N: 16_384, r: 8, p: 1))
        #expect(try envelope(sealed)["kdf"].flatMap { ($0 as? [String: Any])?["params"] as? [String: Int] } == ["N": 16_384, "r": 8, "p": 1])
        #expect(try SealedPrivateKey.open(pem: sealed, password: password, file: "k") == key.pkcs8)
        let legacy = sealed.replacingOccurrences(of: "ENCRYPTED SIGSTORE PRIVATE KEY", with: "ENCRYPTED COSIGN PRIVATE KEY")
        #expect(try SealedPrivateKey.open(pem: legacy, password: password, file: "k") == key.pkcs8)
    }

    @Test("bad key files: a wrong password, a truncated or altered file, a public key, a foreign block, hostile parameters")
    func badFiles() throws {
        let key = SigningKey.generate()
        let sealed = try SealedPrivateKey.seal(pkcs8: key.pkcs8, password: password)
        #expect(throws: KeyError.wrongPassword(file: "k")) { try SealedPrivateKey.open(pem: sealed, password: Array("nope".utf8), file: "k") }

        let lines = sealed.split(separator: "\n")
        let truncated = lines.prefix(3).joined(separator: "\n") + "\n" + lines.last! + "\n"
        #expect(throws: KeyError.self) { try SealedPrivateKey.open(pem: truncated, password: password, file: "k") }

        var json = try envelope(sealed)
        // Another byte in the box: the tag no longer verifies, which reads as a wrong password (as in cosign).
        var box = Array(Data(base64Encoded: json["ciphertext"] as? String ?? "") ?? Data())
        box[box.count - 1] ^= 1
        json["ciphertext"] = Data(box).base64EncodedString()
        #expect(throws: KeyError.wrongPassword(file: "k")) { try SealedPrivateKey.open(pem: try pem(json), password: password, file: "k") }

        var argon = try envelope(sealed)
        argon["kdf"] = ["name": "argon2id", "params": ["N": 65_536, "r": 8, "p": 1], "salt": "AAAA"]
        #expect(throws: KeyError.self) { try SealedPrivateKey.open(pem: try pem(argon), password: password, file: "k") }
        do {
            _ = try SealedPrivateKey.open(pem: try pem(argon), password: password, file: "k")
        } catch {
            #expect("\(error)".contains("key derivation \"argon2id\""))
        }

        // A file asking for 2^30 rounds is refused before any memory is taken.
        var hostile = try envelope(sealed)
        hostile["kdf"] = ["name": "scrypt", "params": ["N": 1 << 30, "r": 8, "p": 1], "salt": (try envelope(sealed)["kdf"] as? [String: Any])?["salt"] ?? ""]
        #expect(throws: KeyError.self) { try SealedPrivateKey.open(pem: try pem(hostile), password: password, file: "k") }

        #expect(throws: KeyError.self) { try SigningKey.read(pem: key.publicKey.pemRepresentation, file: "k") { self.password } }
        #expect(throws: KeyError.self) { try SigningKey.read(pem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", file: "k") { self.password } }
        #expect(throws: KeyError.self) { try SigningKey.read(pem: "not a key at all", file: "k") { self.password } }
        #expect(throws: KeyError.self) { try VerificationKey.read(pem: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", file: "k") }
        // DER that names RSA but holds no RSA key: refused before swift-crypto's RSA parser (which aborts the process
        // on such input) ever sees it; the same for PKCS#1 blocks that are not a sequence of integers.
        #expect(throws: KeyError.self) { try VerificationKey.read(pem: "-----BEGIN PUBLIC KEY-----\nMBMwDQYJKoZIhvcNAQEBBQADAgAA\n-----END PUBLIC KEY-----\n", file: "k") }
        #expect(throws: KeyError.self) { try VerificationKey.read(pem: "-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----\n", file: "k") }
        #expect(throws: KeyError.self) { try SigningKey.read(pem: "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n", file: "k") { self.password } }
    }

    @Test("OpenSSL's keys: P-256 (PKCS#8 and SEC1), Ed25519, RSA (PKCS#8 and PKCS#1); P-384 is refused; OpenSSL verifies hydra's signatures")
    func openSSLKeys() throws {
        let directory = TemporaryDirectory()
        let message = try directory.write("message", "sign me")
        func openssl(_ arguments: [String]) throws -> Tool.Result {
            let result = try Tool.run(["openssl"] + arguments)
            #expect(result.succeeded, "openssl \(arguments.joined(separator: " ")): \(result.stderr)")
            return result
        }
        let kinds: [(name: String, generate: [String], convert: [String]?)] = [
            ("p256", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], ["ec", "-in", directory("p256.pem"), "-out", directory("p256-sec1.pem")]),
            ("ed25519", ["genpkey", "-algorithm", "ED25519"], nil),
            ("rsa", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], ["rsa", "-traditional", "-in", directory("rsa.pem"), "-out", directory("rsa-pkcs1.pem")]),
        ]
        for kind in kinds {
            let path = directory("\(kind.name).pem")
            _ = try openssl(kind.generate + ["-out", path])
            var files = [path]
            if let convert = kind.convert {
                _ = try openssl(convert)
                files.append(convert[convert.count - 1])
            }
            let expected = try openssl(["pkey", "-in", path, "-pubout"]).stdout
            for file in files {
                let text = try String(contentsOfFile: file, encoding: .utf8)
                let key = try SigningKey.read(pem: text, file: file) { self.password }
                #expect(key.publicKey.pemRepresentation == expected, "\(file)")
                // Sealed and opened again, the key is the same key.
                let resealed = try SealedPrivateKey.open(pem: try SealedPrivateKey.seal(pkcs8: key.pkcs8, password: password), password: password, file: file)
                #expect(try SigningKey.read(pem: "-----BEGIN PRIVATE KEY-----\n\(Data(resealed).base64EncodedString(options: .lineLength64Characters))\n-----END PRIVATE KEY-----\n", file: file) { self.password }.publicKey.pemRepresentation == expected)
            }
            // OpenSSL verifies a signature hydra made.
            let key = try SigningKey.read(pem: try String(contentsOfFile: path, encoding: .utf8), file: path) { self.password }
            let signature = try directory.write("\(kind.name).sig", Data(try key.signature(for: Array("sign me".utf8))))
            _ = try directory.write("\(kind.name).pub", expected)
            if kind.name == "ed25519" {
                _ = try openssl(["pkeyutl", "-verify", "-pubin", "-inkey", directory("\(kind.name).pub"), "-rawin", "-in", message, "-sigfile", signature])
            } else {
                _ = try openssl(["dgst", "-sha256", "-verify", directory("\(kind.name).pub"), "-signature", signature, message])
            }
        }
        _ = try openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", directory("p384.pem")])
        #expect(throws: KeyError.self) { try SigningKey.read(pem: try String(contentsOfFile: directory("p384.pem"), encoding: .utf8), file: "p384") { self.password } }
    }

    func envelope(_ sealed: String) throws -> [String: Any] {
        let body = sealed.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        let data = try #require(Data(base64Encoded: body))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func pem(_ envelope: [String: Any]) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: envelope)
        return "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n\(data.base64EncodedString(options: .lineLength64Characters))\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n"
    }
}
