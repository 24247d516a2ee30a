import AsyncHTTPClient
import Foundation
import HydraCore
import NIOCore
import NIOHTTP1

/// A plain HTTP(S) download into a file (what `ADD https://…` needs): redirects followed, the body streamed to
/// disk, an error naming the URL and status on anything but 200.
public enum HTTPDownload {
    public static func fetch(_ url: String, to file: String, timeout: TimeAmount = .seconds(3600)) async throws {
        let client = try HTTPClientPool.client(verify: true, certificates: nil)
        let response: HTTPClientResponse
        do {
            response = try await client.execute(HTTPClientRequest(url: url), timeout: timeout)
        } catch {
            throw RegistryClientError.unreachable(url: url, detail: TransientError.describe(error))
        }
        guard response.status == .ok else {
            throw RegistryClientError.http(status: Int(response.status.code), code: nil, message: response.status.reasonPhrase, url: url)
        }
        let sink = try FileSink(creating: file, mode: 0o600, exclusive: false, sync: false)
        for try await chunk in response.body { try sink.write(chunk) }
        try sink.finish()
    }
}
