import CLDAP
import Foundation

/// One connection to an LDAP server through OpenLDAP's libldap. Every call blocks until the server answers (or the
/// timeout passes), so a connection is used from one `BlockingIO` thread, by one sign-in, and then closed.
final class LDAPConnection {
    private let handle: OpaquePointer
    private let timeout: Int

    /// Connects to `url` (`ldap://` or `ldaps://`), LDAPv3, upgrading with StartTLS when asked; `caFile` names the
    /// certificates a TLS server's must chain to (else the system's), and `verifyCertificate: false` accepts any.
    init(url: String, timeout: Int, startTLS: Bool, caFile: String?, verifyCertificate: Bool) throws(LDAPError) {
        var handle: OpaquePointer?
        let status = ldap_initialize(&handle, url)
        guard status == LDAP_SUCCESS, let handle else { throw .invalidConfiguration("ldap.url \(url): \(Self.message(status))") }
        self.handle = handle
        self.timeout = timeout
        var version: Int32 = LDAP_VERSION3
        ldap_set_option(handle, LDAP_OPT_PROTOCOL_VERSION, &version)
        ldap_set_option(handle, LDAP_OPT_REFERRALS, nil)  // LDAP_OPT_OFF: referrals would bind elsewhere with our password
        var network = timeval(tv_sec: timeout, tv_usec: 0)
        ldap_set_option(handle, LDAP_OPT_NETWORK_TIMEOUT, &network)
        ldap_set_option(handle, LDAP_OPT_TIMEOUT, &network)
        if url.lowercased().hasPrefix("ldaps://") || startTLS {
            var require: Int32 = verifyCertificate ? LDAP_OPT_X_TLS_HARD : LDAP_OPT_X_TLS_NEVER
            ldap_set_option(handle, LDAP_OPT_X_TLS_REQUIRE_CERT, &require)
            if let caFile { ldap_set_option(handle, LDAP_OPT_X_TLS_CACERTFILE, caFile) }
            var server: Int32 = 0
            ldap_set_option(handle, LDAP_OPT_X_TLS_NEWCTX, &server)
        }
        if startTLS {
            let status = ldap_start_tls_s(handle, nil, nil)
            guard status == LDAP_SUCCESS else { throw Self.failure(status, "StartTLS with \(url)") }
        }
    }

    deinit { ldap_unbind_ext_s(handle, nil, nil) }

    /// A simple bind. Returns false for wrong credentials (LDAP's `invalidCredentials`); an empty password is
    /// refused here, since LDAP takes a name with no password as an anonymous ("unauthenticated") bind.
    func bind(dn: String, password: String) throws(LDAPError) -> Bool {
        guard !password.isEmpty else { return false }
        var bytes = Array(password.utf8)
        let status = bytes.withUnsafeMutableBytes { buffer in
            guard let pointer = buffer.baseAddress?.assumingMemoryBound(to: CChar.self) else { return LDAP_PARAM_ERROR }
            var credential = berval(bv_len: ber_len_t(buffer.count), bv_val: pointer)
            return ldap_sasl_bind_s(handle, dn, nil, &credential, nil, nil, nil)
        }
        for index in bytes.indices { bytes[index] = 0 }
        if status == LDAP_INVALID_CREDENTIALS { return false }
        guard status == LDAP_SUCCESS else { throw Self.failure(status, "bind as \(dn)") }
        return true
    }

    /// A search: the entries under `base` (within `scope`) that match `filter`, with the values of `attributes`.
    func search(base: String, scope: LDAPScope, filter: String, attributes: [String], limit: Int32 = 0) throws(LDAPError) -> [LDAPEntry] {
        var result: OpaquePointer?
        var wait = timeval(tv_sec: timeout, tv_usec: 0)
        var names = attributes.map { strdup($0) } + [nil]
        defer { for name in names { free(name) } }
        let status = ldap_search_ext_s(handle, base, scope.code, filter, &names, 0, nil, nil, &wait, limit, &result)
        defer { if let result { ldap_msgfree(result) } }
        if status == LDAP_NO_SUCH_OBJECT { return [] }
        guard status == LDAP_SUCCESS || status == LDAP_SIZELIMIT_EXCEEDED else {
            throw Self.failure(status, "search \(base) for \(filter)")
        }
        var entries: [LDAPEntry] = []
        var message = ldap_first_entry(handle, result)
        while let entry = message {
            var values: [String: [String]] = [:]
            for attribute in attributes {
                guard let found = ldap_get_values_len(handle, entry, attribute) else { continue }
                var index = 0
                while let value = found[index] {
                    let length = Int(value.pointee.bv_len)
                    let text = value.pointee.bv_val.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: length), as: UTF8.self) }
                    if let text { values[attribute.lowercased(), default: []].append(text) }
                    index += 1
                }
                ldap_value_free_len(found)
            }
            var dn = ""
            if let text = ldap_get_dn(handle, entry) {
                dn = String(cString: text)
                ldap_memfree(text)
            }
            entries.append(LDAPEntry(dn: dn, attributes: values))
            message = ldap_next_entry(handle, entry)
        }
        return entries
    }

    private static func message(_ status: Int32) -> String {
        ldap_err2string(status).map { String(cString: $0) } ?? "LDAP error \(status)"
    }

    private static func failure(_ status: Int32, _ what: String) -> LDAPError {
        // Negative codes are the client's own: the server is down, a timeout, a connection error.
        status < 0 ? .unavailable("\(what): \(message(status))") : .failed("\(what): \(message(status))")
    }
}

/// How far below its base a search looks (`base`, `onelevel`, `subtree` in the configuration).
public enum LDAPScope: String, Sendable, Codable {
    /// The base entry only.
    case base
    /// The base's children.
    case onelevel
    /// The base and everything below it.
    case subtree

    /// libldap's `LDAP_SCOPE_…` value.
    var code: Int32 {
        switch self {
        case .base: 0
        case .onelevel: 1
        case .subtree: 2
        }
    }
}

/// An entry a search found: its DN and the values of the attributes asked for (names in lower case).
struct LDAPEntry: Sendable, Equatable {
    var dn: String
    var attributes: [String: [String]]

    func values(_ attribute: String) -> [String] { attributes[attribute.lowercased()] ?? [] }
}
