/// An explicit, stable encoding of an instruction for the step cache key. It never uses a library type's
/// `description` (a `[String: String]` prints its keys in an order that changes from process to process): every
/// field is written by name, strings are length-prefixed so no value can forge a field boundary, and dictionaries
/// are written in sorted key order. Changing this encoding changes every key: bump `StepKeyVersion` with it.
struct CanonicalText {
    private(set) var text = ""

    /// `name` followed by the value's length in UTF-8 bytes and the value.
    mutating func field(_ name: String, _ value: String) {
        text += "\(name) \(value.utf8.count):\(value)\n"
    }

    mutating func field(_ name: String, _ value: String?) {
        if let value { field(name, value) } else { text += "\(name) -\n" }
    }

    mutating func field(_ name: String, _ value: Bool) { text += "\(name) \(value ? 1 : 0)\n" }

    mutating func field(_ name: String, _ value: Int64?) { text += "\(name) \(value.map(String.init) ?? "-")\n" }

    mutating func field(_ name: String, _ values: [String]) {
        text += "\(name) [\(values.count)]\n"
        for value in values { field("-", value) }
    }

    /// Keys in byte order, so the text is the same whatever order the dictionary holds them in.
    mutating func field(_ name: String, _ values: [String: String]) {
        text += "\(name) {\(values.count)}\n"
        for key in values.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            field("key", key)
            field("value", values[key] ?? "")
        }
    }

    mutating func command(_ name: String, _ command: CommandForm?) {
        switch command {
        case .exec(let words)?: field(name + ".exec", words)
        case .shell(let line)?: field(name + ".shell", line)
        case nil: text += "\(name) -\n"
        }
    }

    /// RUN's mounts in the order written (order decides which mount wins a shared target), options sorted.
    mutating func mounts(_ mounts: [RunMount]) {
        text += "mounts [\(mounts.count)]\n"
        for mount in mounts {
            field("type", mount.kind.rawValue)
            field("options", mount.options)
        }
    }

    mutating func heredocs(_ heredocs: [Heredoc]) {
        text += "heredocs [\(heredocs.count)]\n"
        for heredoc in heredocs {
            field("name", heredoc.name)
            field("content", heredoc.content)
            field("strips-tabs", heredoc.stripsLeadingTabs)
            field("expands", heredoc.expands)
        }
    }
}

extension Instruction {
    /// The instruction as `CanonicalText`: the same instruction gives the same text in every process.
    var canonicalText: String {
        var out = CanonicalText()
        out.field("instruction", keyword)
        switch self {
        case .from(let from):
            out.field("image", from.image)
            out.field("platform", from.platform)
            out.field("alias", from.alias)
        case .run(let run):
            out.command("command", run.command)
            out.heredocs(run.heredocs)
            out.mounts(run.mounts)
            out.field("network", run.network)
            out.field("security", run.security)
        case .cmd(let command), .entrypoint(let command):
            out.command("command", command)
        case .shell(let words):
            out.field("words", words)
        case .env(let pairs), .label(let pairs):
            out.field("pairs", pairs.flatMap { [$0.key, $0.value] })
        case .arg(let declarations):
            for declaration in declarations {
                out.field("name", declaration.name)
                out.field("default", declaration.defaultValue)
            }
        case .expose(let words), .volume(let words):
            out.field("words", words)
        case .user(let value), .workdir(let value), .stopSignal(let value), .onbuild(let value), .maintainer(let value):
            out.field("value", value)
        case .copy(let copy), .add(let copy):
            out.field("sources", copy.sources)
            out.field("destination", copy.destination)
            out.heredocs(copy.heredocs)
            out.field("from", copy.from)
            out.field("chown", copy.chown)
            out.field("chmod", copy.chmod)
            out.field("link", copy.link)
            out.field("parents", copy.parents)
            out.field("excludes", copy.excludes)
            out.field("checksum", copy.checksum)
            out.field("keep-git-dir", copy.keepGitDir)
        case .healthcheck(let spec):
            out.command("test", spec.test)
            out.field("interval", spec.interval)
            out.field("timeout", spec.timeout)
            out.field("start-period", spec.startPeriod)
            out.field("start-interval", spec.startInterval)
            out.field("retries", spec.retries.map(Int64.init))
        }
        return out.text
    }
}
