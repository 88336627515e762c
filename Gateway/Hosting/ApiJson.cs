using System.Text.Json;
using System.Text.Json.Serialization;

namespace DicomGateway.Hosting;

/// <summary>The JSON of the administration API's definitions: camelCase, nulls left out, a "$type" anywhere in an object.</summary>
public static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        AllowOutOfOrderMetadataProperties = true,
    };
}
