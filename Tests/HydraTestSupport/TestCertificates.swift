import Foundation

/// A test CA (`certs/ca.crt`) and a server certificate for 127.0.0.1, localhost and `names` signed by it
/// (`server.crt`, `server.key`), made with openssl in a directory.
public enum TestCertificates {
    /// - Parameter names: more DNS names the server certificate is for.
    public static func make(in dir: TemporaryDirectory, names: [String] = []) throws {
        try dir.write("san.ext", "subjectAltName=" + (["IP:127.0.0.1", "DNS:localhost"] + names.map { "DNS:" + $0 }).joined(separator: ",") + "\n")
        let steps = [
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
             "-subj", "/CN=hydra test CA", "-keyout", dir("ca.key"), "-out", dir("certs/ca.crt")],
            ["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=127.0.0.1",
             "-keyout", dir("server.key"), "-out", dir("server.csr")],
            ["openssl", "x509", "-req", "-in", dir("server.csr"), "-CA", dir("certs/ca.crt"), "-CAkey", dir("ca.key"),
             "-CAcreateserial", "-days", "2", "-extfile", dir("san.ext"), "-out", dir("server.crt")],
        ]
        try FileManager.default.createDirectory(atPath: dir("certs"), withIntermediateDirectories: true)
        for step in steps {
            let result = try Tool.run(step)
            guard result.succeeded else { throw HTTP.Failure(message: "\(step[0]) \(step[1]): \(result.stderr)") }
        }
    }
}
