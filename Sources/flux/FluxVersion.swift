/// The version `flux --version` prints.
enum FluxVersion {
    static let current = "0.1.0"
}
