import Foundation
import HydraCore
import HydraOCI
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Forwards audit events to a syslog server as RFC 5424 messages, each event's fields as JSON in the message: over
/// UDP (RFC 5426, one datagram per event) or TCP (RFC 6587 octet counting, one connection kept and reopened when it
/// breaks). Best effort beside the metadata store, which keeps the log: what cannot be sent is logged and dropped.
/// The socket calls block, so they run on `BlockingIO`.
public final class SyslogForwarder: Sendable {
    /// `audit.syslog`.
    public struct Configuration: Codable, Sendable, Equatable {
        /// `udp://HOST:PORT` or `tcp://HOST:PORT`.
        public var address: String
        /// `user`, `auth`, `authpriv`, `daemon`, or `local0` … `local7` (default `local0`).
        public var facility: String?
        /// The APP-NAME field (default `hydra`).
        public var appName: String?

        public init(address: String) { self.address = address }
    }

    enum Transport: String { case udp, tcp }

    let transport: Transport
    let host: String
    let port: UInt16
    let facility: Int
    let appName: String
    private let hostname = ProcessInfo.processInfo.hostName
    /// The TCP connection, while it works.
    private let connection = Mutex<Int32?>(nil)

    static let facilities = [
        "user": 1, "daemon": 3, "auth": 4, "authpriv": 10,
        "local0": 16, "local1": 17, "local2": 18, "local3": 19, "local4": 20, "local5": 21, "local6": 22, "local7": 23,
    ]

    /// - Throws: `AuthError.invalidConfiguration` naming what is wrong in `audit.syslog`.
    public init(configuration: Configuration) throws(AuthError) {
        guard let url = URLComponents(string: configuration.address), let scheme = url.scheme.flatMap({ Transport(rawValue: $0.lowercased()) }),
              let host = url.host, !host.isEmpty, let port = url.port, (1...65535).contains(port)
        else { throw .invalidConfiguration("audit.syslog.address must be udp://HOST:PORT or tcp://HOST:PORT (got \(configuration.address))") }
        guard let facility = Self.facilities[configuration.facility ?? "local0"] else {
            throw .invalidConfiguration("audit.syslog.facility \(configuration.facility ?? ""): one of \(Self.facilities.keys.sorted().joined(separator: ", "))")
        }
        transport = scheme
        self.host = host
        self.port = UInt16(port)
        self.facility = facility
        appName = configuration.appName ?? "hydra"
    }

    deinit { connection.withLock { if let fd = $0 { close(fd) } } }

    /// Sends the events; returns how many could not be sent.
    @discardableResult
    func send(_ events: [AuditEvent]) async -> Int {
        let messages = events.map(message)
        return await BlockingIO.run { sendNow(messages) }
    }

    /// RFC 5424: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - MSG`, MSGID `audit`, severity informational for
    /// what succeeded, warning for refusals, error for failures.
    func message(_ event: AuditEvent) -> String {
        let severity = event.status < 400 ? 6 : event.status < 500 ? 4 : 3
        let time = Date(timeIntervalSince1970: TimeInterval(event.time) / 1000)
        var fields: [String: JSONValue] = [
            "time": .string(Self.timestamp(time)), "actor": .string(event.actor), "source": .string(event.source),
            "operation": .string(event.operation), "resource_type": .string(event.resourceType), "resource": .string(event.resource),
            "status": .number(Double(event.status)),
        ]
        if let project = event.project { fields["project"] = .string(project) }
        let json = (try? JSONEncoder.sorted.encode(fields)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return "<\(facility * 8 + severity)>1 \(Self.timestamp(time)) \(Self.field(hostname)) \(Self.field(appName)) \(getpid()) audit - \(json)"
    }

    /// A header field: printable US-ASCII without spaces, at most 48 characters, `-` when empty.
    static func field(_ text: String) -> String {
        let cleaned = String(text.unicodeScalars.filter { $0.value > 32 && $0.value < 127 }.prefix(48).map(Character.init))
        return cleaned.isEmpty ? "-" : cleaned
    }

    static func timestamp(_ date: Date) -> String {
        Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date)
    }

    private func sendNow(_ messages: [String]) -> Int {
        switch transport {
        case .udp:
            guard let fd = open(Int32(SOCK_DGRAM.rawValue)) else { return messages.count }
            defer { close(fd) }
            return messages.filter { message in Array(message.utf8).withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) } < 0 }.count
        case .tcp:
            // Octet counting: `LENGTH SP MESSAGE`. One reconnect when the kept connection has broken.
            let framed = messages.map { "\($0.utf8.count) \($0)" }.joined()
            return connection.withLock { fd in
                for _ in 0..<2 {
                    if fd == nil { fd = open(Int32(SOCK_STREAM.rawValue)) }
                    guard let socket = fd else { return messages.count }
                    if Self.writeAll(socket, Array(framed.utf8)) { return 0 }
                    close(socket)
                    fd = nil
                }
                return messages.count
            }
        }
    }

    /// A socket connected to the server (the first address that answers), with 5-second send timeouts.
    private func open(_ type: Int32) -> Int32? {
        var hints = addrinfo()
        hints.ai_socktype = type
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0 else { return nil }
        defer { freeaddrinfo(list) }
        var entry = list
        while let info = entry {
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            if fd >= 0 {
                var timeout = timeval(tv_sec: 5, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                if connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return fd }
                close(fd)
            }
            entry = info.pointee.ai_next
        }
        return nil
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }
}
