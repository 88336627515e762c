namespace Gateway.Tests.Architecture;

/// <summary>
/// References between the Gateway's feature folders go one way, down the layers below. A new folder is placed in the
/// picture before it is used; a reference upwards, or a cycle, fails here rather than in a review.
/// </summary>
public class FeatureReferenceTests
{
    /// <summary>
    /// The layers, lowest first; a folder may reference only folders in strictly lower layers. This mirrors
    /// docs/architecture.md: change both together.
    /// </summary>
    private static readonly string[][] Layers =
    [
        ["Hosting"],
        ["Storage", "Metrics"],
        ["Database"],
        ["Crypto", "Audit"],
        ["Studies"],
        ["AddressBook"],
        ["Routing"],
        ["Nodes"],
        ["Commitment"],
        ["Notifications", "Forwarding", "Ingest"],
        ["Shipments", "Health"],
        ["Administration"],
        ["Web"],
    ];

    private static readonly Dictionary<string, int> LayerOf = Layers
        .SelectMany((folders, layer) => folders.Select(folder => (folder, layer)))
        .ToDictionary(x => x.folder, x => x.layer, StringComparer.Ordinal);

    private static readonly Lazy<IReadOnlyList<GatewaySource>> Sources = new(GatewaySource.ReadAll);

    [Fact]
    public void Every_feature_folder_under_Gateway_has_a_place_in_the_layers()
    {
        var unplaced = Sources.Value.Select(f => f.Folder).Distinct().Where(folder => !LayerOf.ContainsKey(folder)).Order(StringComparer.Ordinal);
        Listed(unplaced).Should().BeEmpty("a new feature folder is placed in the layers here and in docs/architecture.md");
    }

    [Fact]
    public void Every_file_declares_a_namespace_under_its_feature_folder()
    {
        var misplaced = from file in Sources.Value
                        let declared = FeatureSourceScanner.DeclaredNamespaces(file.Text)
                        where declared.Count == 0 || declared.Any(ns => !IsUnder(ns, "DicomGateway." + file.Folder))
                        select $"{file.Path}: namespace {(declared.Count == 0 ? "(none)" : string.Join(", ", declared))}";
        Listed(misplaced).Should().BeEmpty("a file in another folder's namespace would hide its references");
    }

    [Fact]
    public void Every_reference_between_feature_folders_goes_to_a_lower_layer()
    {
        var upwards = References()
            .Where(r => LayerOf.TryGetValue(r.From, out var from) && LayerOf.TryGetValue(r.To, out var to) && to >= from)
            .Select(r => r.ToString());
        Listed(upwards).Should().BeEmpty("a folder may use only folders in lower layers (docs/architecture.md)");
    }

    [Fact]
    public void The_feature_folders_reference_each_other_without_a_cycle()
    {
        var graph = References().ToLookup(r => r.From, r => r.To, StringComparer.Ordinal);
        var cycle = ReferenceGraph.FindCycle(graph.Select(g => g.Key), folder => graph[folder].Distinct());
        (cycle is null ? null : string.Join(" -> ", cycle)).Should().BeNull("references between feature folders go one way");
    }

    [Fact]
    public void The_scanner_ignores_comments_and_strings_and_finds_usings_aliases_and_qualified_names()
    {
        const string source = """"
            using System;
            using DicomGateway.Crypto;
            using DicomGateway.Storage.Blobs;
            using static DicomGateway.Audit.AuditCodes;
            using Sealer = DicomGateway.Shipments.ShipmentSealer;

            namespace DicomGateway.Web.Pages;

            // DicomGateway.Notifications is only mentioned here.
            /// <summary>Uses <see cref="DicomGateway.Routing.Rule"/> in prose only.</summary>
            /* DicomGateway.Forwarding in a block comment */
            internal sealed class Page(global::DicomGateway.Nodes.NodeStore nodes)
            {
                private const string Url = "DicomGateway.Sms.Webhook";
                private const string Verbatim = @"say ""DicomGateway.Ingest."" here";
                private const char Quote = '"';
                private readonly string _raw = $$"""DicomGateway.Administration.{{nodes}}""";
                private DicomGateway.AddressBook.Contact? _contact;
            }
            """";

        FeatureSourceScanner.ReferencedFolders(source).Should().BeEquivalentTo(
            ["Crypto", "Storage", "Audit", "Shipments", "Nodes", "AddressBook"]);
        FeatureSourceScanner.DeclaredNamespaces(source).Should().Equal("DicomGateway.Web.Pages");
    }

    [Fact]
    public void The_cycle_finder_names_a_cycle_and_accepts_a_layered_graph()
    {
        var cyclic = new Dictionary<string, string[]> { ["A"] = ["B"], ["B"] = ["C"], ["C"] = ["A"], ["D"] = ["A"] };
        ReferenceGraph.FindCycle(["D", "A", "B", "C"], n => cyclic[n]).Should().Equal("A", "B", "C", "A");
        var layered = new Dictionary<string, string[]> { ["A"] = ["B", "C"], ["B"] = ["C"], ["C"] = [] };
        ReferenceGraph.FindCycle(["A", "B", "C"], n => layered[n]).Should().BeNull();
    }

    [Fact]
    public void The_scanner_finds_references_between_folders_in_the_real_tree()
    {
        Sources.Value.Should().Contain(f => f.Folder == "Shipments", "the Gateway's sources are where the test looks for them");
        References().Should().Contain(r => r.From == "Shipments" && r.To == "Storage", "a shipment is sealed from stored instances");
    }

    private static IEnumerable<Reference> References() =>
        from file in Sources.Value
        from folder in FeatureSourceScanner.ReferencedFolders(file.Text)
        where folder != file.Folder && (LayerOf.ContainsKey(folder) || Sources.Value.Any(f => f.Folder == folder))
        orderby file.Folder, folder, file.Path
        select new Reference(file.Folder, folder, file.Path);

    /// <summary>One finding a line, so a failure shows every one of them.</summary>
    private static string Listed(IEnumerable<string> findings) => string.Join(Environment.NewLine, findings);

    private static bool IsUnder(string ns, string root) =>
        ns == root || ns.StartsWith(root + ".", StringComparison.Ordinal);

    private sealed record Reference(string From, string To, string Path)
    {
        public override string ToString() => $"{From} -> {To} ({Path})";
    }
}
