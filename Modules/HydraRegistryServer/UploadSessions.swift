/// Which uploads a request in this process is writing right now: chunks must arrive one after another, and a
/// second request for the same upload is refused at once. (Replicas are kept apart by the upload record's
/// version instead.)
actor UploadSessions {
    private var busy: Set<String> = []

    /// Takes the upload; false when another request holds it.
    func claim(_ id: String) -> Bool { busy.insert(id).inserted }

    func release(_ id: String) { busy.remove(id) }
}
