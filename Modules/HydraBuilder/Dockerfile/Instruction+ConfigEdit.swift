import HydraOCI

extension Instruction {
    /// The config change a metadata instruction makes (nil for FROM, RUN, COPY, ADD, ARG), its words expanded
    /// with `lookup` as Docker expands them: the values in force before the instruction.
    /// - Parameter shell: what a shell-form CMD or ENTRYPOINT runs under.
    public func configEdit(
        shell: [String], expander: VariableExpander, lookup: (String) -> String?
    ) throws(VariableExpander.ExpansionError) -> ImageConfigEdit? {
        func expand(_ word: String) throws(VariableExpander.ExpansionError) -> String { try expander.expand(word, lookup: lookup) }
        func pairs(_ values: [KeyValue]) throws(VariableExpander.ExpansionError) -> [ImageConfigEdit.Pair] {
            var result: [ImageConfigEdit.Pair] = []
            for pair in values { result.append(.init(key: try expand(pair.key), value: try expand(pair.value))) }
            return result
        }
        func command(_ form: CommandForm) -> [String] {
            switch form {
            case .exec(let words): words
            case .shell(let text): shell + [text]
            }
        }
        switch self {
        case .env(let values): return .env(try pairs(values))
        case .label(let values): return .label(try pairs(values))
        case .cmd(let form): return .cmd(command(form))
        case .entrypoint(let form): return .entrypoint(command(form))
        case .shell(let words): return .shell(words)
        case .expose(let ports):
            var words: [String] = []
            for port in ports { words += try expander.expandWords(port, lookup: lookup) }
            return .expose(words)
        case .volume(let paths):
            var expanded: [String] = []
            for path in paths { expanded.append(try expand(path)) }
            return .volume(expanded)
        case .user(let user): return .user(try expand(user))
        case .workdir(let path): return .workdir(try expand(path))
        case .stopSignal(let signal): return .stopSignal(try expand(signal))
        case .healthcheck(let spec): return .healthcheck(spec.healthcheck)
        case .onbuild(let trigger): return .onBuild(trigger)
        case .maintainer(let name): return .maintainer(name)
        case .from, .run, .copy, .add, .arg: return nil
        }
    }
}

extension HealthcheckSpec {
    /// As the config stores it: `NONE`, `CMD …` or `CMD-SHELL …`, with the timings given.
    public var healthcheck: Healthcheck {
        var check = Healthcheck(test: ["NONE"])
        guard let test else { return check }
        switch test {
        case .exec(let words): check.test = ["CMD"] + words
        case .shell(let text): check.test = ["CMD-SHELL", text]
        }
        check.interval = interval
        check.timeout = timeout
        check.startPeriod = startPeriod
        check.startInterval = startInterval
        check.retries = retries
        return check
    }
}
