import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A syslog server for tests on 127.0.0.1: UDP (a message per datagram) or TCP (RFC 6587 octet counting), keeping
/// what it receives.
public final class SyslogReceiver: @unchecked Sendable {
    public let port: Int
    public let isTCP: Bool
    private let fd: Int32
    private let received = Mutex<[String]>([])

    public init(tcp: Bool) throws {
        isTCP = tcp
        let fd = socket(AF_INET, Int32(tcp ? SOCK_STREAM.rawValue : SOCK_DGRAM.rawValue), 0)
        self.fd = fd
        guard fd >= 0 else { throw HTTP.Failure(message: "socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0 else { throw HTTP.Failure(message: "bind: \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
        if tcp { listen(fd, 8) }
        let thread = Thread { [self] in tcp ? acceptLoop() : datagramLoop() }
        thread.start()
    }

    /// `udp://127.0.0.1:PORT` or `tcp://…`.
    public var address: String { "\(isTCP ? "tcp" : "udp")://127.0.0.1:\(port)" }

    public var messages: [String] { received.withLock { $0 } }

    /// Waits up to `seconds` for a message that satisfies `condition`.
    public func wait(seconds: Double = 10, for condition: (String) -> Bool) -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let found = messages.first(where: condition) { return found }
            usleep(50_000)
        }
        return nil
    }

    private func datagramLoop() {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return }
            let text = String(decoding: buffer[0..<count], as: UTF8.self)
            received.withLock { $0.append(text) }
        }
    }

    private func acceptLoop() {
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 { return }
            Thread { [self] in readFrames(client) }.start()
        }
    }

    /// Octet counting: `LENGTH SP MESSAGE`, repeated.
    private func readFrames(_ client: Int32) {
        defer { close(client) }
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return }
            pending += buffer[0..<count]
            while let space = pending.firstIndex(of: UInt8(ascii: " ")),
                  let length = Int(String(decoding: pending[..<space], as: UTF8.self)), pending.count > space + length {
                let message = String(decoding: pending[(space + 1)...(space + length)], as: UTF8.self)
                received.withLock { $0.append(message) }
                pending.removeFirst(space + 1 + length)
            }
        }
    }
}
