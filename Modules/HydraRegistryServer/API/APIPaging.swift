import Foundation

/// `page` and `page_size` as Harbor reads them (pages from 1; 10 items unless asked; at most 100), and the
/// `Link` header that points at the neighbouring pages.
struct APIPaging: Sendable, Equatable {
    static let maximumPageSize: Int64 = 100
    let page: Int64
    let size: Int64

    init(page: Int64?, size: Int64?) throws(APIError) {
        let page = page ?? 1
        let size = size ?? 10
        guard page >= 1, page <= 1_000_000 else { throw .badRequest("page must be between 1 and 1000000, not \(page)") }
        guard size >= 1, size <= Self.maximumPageSize else {
            throw .badRequest("page_size must be between 1 and \(Self.maximumPageSize), not \(size)")
        }
        self.page = page
        self.size = size
    }

    var offset: Int { Int((page - 1) * size) }
    var limit: Int { Int(size) }

    /// `<…?page=N+1&page_size=S>; rel="next"` and `rel="prev"` links for a listing of `total` items, keeping the
    /// request's other query items; nil when there is neither.
    func links(total: Int, scope: APIRequestScope) -> String? {
        var links: [String] = []
        if page > 1 { links.append("<\(url(page: page - 1, scope: scope))>; rel=\"prev\"") }
        if page * size < Int64(total) { links.append("<\(url(page: page + 1, scope: scope))>; rel=\"next\"") }
        return links.isEmpty ? nil : links.joined(separator: " , ")
    }

    private func url(page: Int64, scope: APIRequestScope) -> String {
        var items = scope.query.filter { $0.name != "page" && $0.name != "page_size" }
        items.append(("page", String(page)))
        items.append(("page_size", String(size)))
        return scope.path + "?" + items.map { Self.encode($0.name) + "=" + Self.encode($0.value) }.joined(separator: "&")
    }

    private static let queryValueCharacters = CharacterSet.urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+#"))

    private static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: queryValueCharacters) ?? ""
    }
}
