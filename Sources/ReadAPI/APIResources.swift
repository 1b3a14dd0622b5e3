/// Files served as they are, embedded in the binary at build time (`Resources/`).
enum APIResources {
    /// The OpenAPI 3.1 description of the API, `Resources/openapi.json`.
    static var openAPIDocument: [UInt8] { PackageResources.openapi_json }
    /// The web page served at `/`, `Resources/index.html`.
    static var indexHTML: [UInt8] { PackageResources.index_html }
}
