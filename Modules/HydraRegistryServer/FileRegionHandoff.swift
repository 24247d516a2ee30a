import Foundation
import HTTPTypes
import HydraCore
import NIOConcurrencyHelpers
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Lets a route answer with a file that the kernel sends (sendfile) instead of reading it through user space.
///
/// Hummingbird writes response bodies as buffers, so the route opens the file, deposits it here and answers with
/// an empty body and a `Hydra-File-Region` header naming the deposit. `FileRegionHandler`, in the connection's
/// pipeline, takes the deposit back when that head goes out, strips the header and writes the file region below
/// the HTTP encoder. Only for plain HTTP: a TLS handler cannot take a file region.
final class FileRegionHandoff: Sendable {
    /// A file, open, and the bytes of it to send.
    struct Deposit: Sendable {
        let file: NIOFileHandle
        let offset: Int64
        let count: Int64
        let depositedAt: UInt64

        func close() { try? file.close() }
    }

    static let header = HTTPField.Name("Hydra-File-Region")!
    /// Deposits never taken (the connection went away before the head was written) are closed after this long.
    static let unclaimedLifetime: UInt64 = 60_000_000_000

    /// Deposits by token, and when they were last looked through for unclaimed ones.
    private struct State {
        var deposits: [String: Deposit] = [:]
        var sweptAt: UInt64 = 0
    }

    private let state = NIOLockedValueBox(State())

    /// Opens the bytes `range` (inclusive; nil for all) of the file at `path` and deposits them.
    /// - Returns: the deposit's token, or nil when the file is missing or shorter than the range needs.
    func deposit(path: String, range: ClosedRange<Int64>?, size: Int64) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        guard Int64(lseek(fd, 0, SEEK_END)) >= size else {
            close(fd)
            return nil
        }
        let offset = range?.lowerBound ?? 0
        let count = range.map { $0.upperBound - $0.lowerBound + 1 } ?? size
        let token = UUID().uuidString
        let stale: [Deposit] = state.withLockedValue { state in
            // Read under the lock, so no deposit is younger than `now`.
            let now = DispatchTime.now().uptimeNanoseconds
            var expired: [Deposit] = []
            // Unclaimed deposits are rare; look for them once a lifetime, not on every GET.
            if now - state.sweptAt > Self.unclaimedLifetime {
                state.sweptAt = now
                for (key, deposit) in state.deposits where now - deposit.depositedAt > Self.unclaimedLifetime {
                    expired.append(deposit)
                    state.deposits[key] = nil
                }
            }
            state.deposits[token] = Deposit(
                file: NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: fd), offset: offset, count: count,
                depositedAt: now)
            return expired
        }
        for deposit in stale { deposit.close() }
        return token
    }

    /// Takes a deposit back; the caller closes its file.
    func take(_ token: String) -> Deposit? {
        state.withLockedValue { $0.deposits.removeValue(forKey: token) }
    }

    /// Deposits not yet taken.
    var pending: Int { state.withLockedValue { $0.deposits.count } }
}
