import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A Prometheus text exposition, read the way a scraper reads it.
struct PrometheusText {
    let text: String

    /// The value of the series `name{labels}` (labels in any order), or nil if absent.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " ") else { continue }
            let series = line[..<space]
            let seriesName = series.prefix { $0 != "{" }
            guard seriesName == name else { continue }
            var found: [String: String] = [:]
            if let open = series.firstIndex(of: "{"), let close = series.lastIndex(of: "}") {
                for pair in series[series.index(after: open)..<close].split(separator: ",") {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    guard parts.count == 2 else { continue }
                    found[String(parts[0])] = String(parts[1]).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                }
            }
            if labels.allSatisfy({ found[$0.key] == $0.value }), found.count == labels.count {
                return Double(line[line.index(after: space)...])
            }
        }
        return nil
    }

    static func scrape(port: Int, path: String = "metrics") async throws -> PrometheusText {
        let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/\(path)")!)
        guard (response as? HTTPURLResponse)?.statusCode == 200 else { throw FluxProcessError("GET /\(path) failed: \(response)") }
        return PrometheusText(text: String(decoding: data, as: UTF8.self))
    }
}
