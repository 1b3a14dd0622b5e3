/// Which ingested documents replace what is stored; pure.
public enum DocumentVersions {
    /// For each document, the batch's highest version when it is newer than the stored one; nil otherwise.
    /// An older version arriving late and the same event twice change nothing. Results keep batch order.
    public static func replacements<Item>(_ items: [Item], documentID: (Item) -> String, version: (Item) -> Int64,
                                          stored: [String: Int64]) -> [Item] {
        var best: [String: (index: Int, version: Int64)] = [:]
        for (index, item) in items.enumerated() {
            let id = documentID(item)
            let candidate = version(item)
            if let current = best[id], current.version >= candidate { continue }
            best[id] = (index, candidate)
        }
        return best.values
            .filter { entry in stored[documentID(items[entry.index])].map { entry.version > $0 } ?? true }
            .sorted { $0.index < $1.index }
            .map { items[$0.index] }
    }
}
