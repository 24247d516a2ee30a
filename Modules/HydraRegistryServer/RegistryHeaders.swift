import HTTPTypes
import Hummingbird

/// Header names of the distribution spec that HTTPTypes does not predefine. (The initializer fails only for
/// strings that are not HTTP tokens; these literals are.)
extension HTTPField.Name {
    static let dockerContentDigest = Self("Docker-Content-Digest")!
    static let dockerUploadUUID = Self("Docker-Upload-UUID")!
    static let dockerDistributionAPIVersion = Self("Docker-Distribution-API-Version")!
    static let ociSubject = Self("OCI-Subject")!
    static let ociFiltersApplied = Self("OCI-Filters-Applied")!
    static let ociChunkMinLength = Self("OCI-Chunk-Min-Length")!
    static let link = Self("Link")!
    /// Harbor's REST API: `project_name_or_id` is a name even if it is all digits.
    static let isResourceName = Self("X-Is-Resource-Name")!
    /// Harbor's REST API: a browser session's CSRF token, repeated by requests that change something.
    static let csrfToken = Self("X-Harbor-CSRF-Token")!
}
