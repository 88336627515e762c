using System.Globalization;
using System.Net;
using System.Text;
using System.Xml;

namespace DicomGateway.Audit;

/// <summary>
/// Writes one audit row as a DICOM audit message (PS3.15 A.5.1, the schema kept in TestData/audit/). What goes out is
/// only what the row holds: the patient is the row's keyed hash of the Patient ID (never a name, never the ID itself),
/// the study and the shipment are the gateway's own ids (the row has no Study Instance UID in clear), and the row's
/// detail travels base64-encoded, as the schema's ValuePair asks, on the first participant object.
/// </summary>
public static class AuditMessageXml
{
    /// <summary>The code system of the gateway's own identifiers (study and shipment ids), not a standard one.</summary>
    public const string GatewayCodeSystem = "DicomGateway";

    private static readonly XmlWriterSettings Settings = new()
    {
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        OmitXmlDeclaration = false,
        Indent = false,
    };

    /// <summary>The message as UTF-8 bytes without a byte order mark (the syslog framing adds it).</summary>
    /// <param name="sourceId">AuditSourceID: the gateway's host name, which also names it as a participant.</param>
    public static byte[] Write(AuditRecord record, string sourceId)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceId);
        using var buffer = new MemoryStream();
        using (var xml = XmlWriter.Create(buffer, Settings))
        {
            xml.WriteStartElement("AuditMessage");
            WriteEvent(xml, record);
            WriteActor(xml, record);
            if (record.ActorKind != AuditActorKind.Gateway)
            {
                // The gateway took part as the application that did what the actor asked.
                xml.WriteStartElement("ActiveParticipant");
                xml.WriteAttributeString("UserID", sourceId);
                xml.WriteAttributeString("UserIsRequestor", "false");
                Code(xml, "RoleIDCode", "110150", "DCM", "Application");
                xml.WriteEndElement();
            }
            xml.WriteStartElement("AuditSourceIdentification");
            xml.WriteAttributeString("AuditSourceID", sourceId);
            xml.WriteStartElement("AuditSourceTypeCode");
            xml.WriteAttributeString("csd-code", "4"); // Application server process
            xml.WriteEndElement();
            xml.WriteEndElement();
            WriteObjects(xml, record);
            xml.WriteEndElement();
        }
        return buffer.ToArray();
    }

    private static void WriteEvent(XmlWriter xml, AuditRecord record)
    {
        xml.WriteStartElement("EventIdentification");
        xml.WriteAttributeString("EventActionCode", ((char)record.Action).ToString());
        xml.WriteAttributeString("EventDateTime", record.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        xml.WriteAttributeString("EventOutcomeIndicator", ((int)record.Outcome).ToString(CultureInfo.InvariantCulture));
        Code(xml, "EventID", record.EventId, "DCM", AuditEventIds.Meaning(record.EventId) ?? record.EventId);
        if (!string.IsNullOrEmpty(record.EventType))
            Code(xml, "EventTypeCode", record.EventType, "DCM", AuditEventTypes.Meaning(record.EventType) ?? record.EventType);
        xml.WriteEndElement();
    }

    private static void WriteActor(XmlWriter xml, AuditRecord record)
    {
        xml.WriteStartElement("ActiveParticipant");
        xml.WriteAttributeString("UserID", Clean(record.Actor));
        xml.WriteAttributeString("UserIsRequestor", "true");
        if (!string.IsNullOrWhiteSpace(record.ActorAddress))
        {
            xml.WriteAttributeString("NetworkAccessPointID", Clean(record.ActorAddress));
            xml.WriteAttributeString("NetworkAccessPointTypeCode", IPAddress.TryParse(record.ActorAddress, out _) ? "2" : "1");
        }
        var role = Role(record);
        if (role is { } r) Code(xml, "RoleIDCode", r.Code, "DCM", r.Meaning);
        xml.WriteEndElement();
    }

    /// <summary>PS3.15 A.5.3 roles: who sent and who received in a transfer or an export; the gateway acting alone is the application.</summary>
    private static (string Code, string Meaning)? Role(AuditRecord record) => (record.ActorKind, record.EventId) switch
    {
        (AuditActorKind.Gateway, _) => ("110150", "Application"),
        (AuditActorKind.Node, AuditEventIds.InstancesTransferred) => ("110153", "Source Role ID"),
        (AuditActorKind.Recipient, AuditEventIds.InstancesTransferred or AuditEventIds.Export) => ("110152", "Destination Role ID"),
        _ => null,
    };

    private static void WriteObjects(XmlWriter xml, AuditRecord record)
    {
        var detail = record.Detail;
        if (record.PatientRef is { Length: > 0 } patient)
        {
            ObjectStart(xml, Convert.ToHexStringLower(patient), typeCode: "1", role: "1");
            Code(xml, "ParticipantObjectIDTypeCode", "2", "RFC-3881", "Patient Number");
            xml.WriteElementString("ParticipantObjectName", "keyed hash of the Patient ID");
            Detail(xml, ref detail);
            xml.WriteEndElement();
        }
        if (record.StudyId is { } study)
        {
            ObjectStart(xml, study.ToString(CultureInfo.InvariantCulture), typeCode: "2", role: "3");
            Code(xml, "ParticipantObjectIDTypeCode", "study", GatewayCodeSystem, "Gateway study id");
            xml.WriteElementString("ParticipantObjectName", "study " + study.ToString(CultureInfo.InvariantCulture));
            Detail(xml, ref detail);
            xml.WriteEndElement();
        }
        if (record.ShipmentId is { } shipment)
        {
            ObjectStart(xml, shipment.ToString(CultureInfo.InvariantCulture), typeCode: "2", role: "20");
            Code(xml, "ParticipantObjectIDTypeCode", "shipment", GatewayCodeSystem, "Gateway shipment id");
            xml.WriteElementString("ParticipantObjectName", "shipment " + shipment.ToString(CultureInfo.InvariantCulture));
            Detail(xml, ref detail);
            xml.WriteEndElement();
        }
    }

    private static void ObjectStart(XmlWriter xml, string id, string typeCode, string role)
    {
        xml.WriteStartElement("ParticipantObjectIdentification");
        xml.WriteAttributeString("ParticipantObjectID", id);
        xml.WriteAttributeString("ParticipantObjectTypeCode", typeCode);
        xml.WriteAttributeString("ParticipantObjectTypeCodeRole", role);
    }

    /// <summary>The row's detail, once, on the first participant object that is written.</summary>
    private static void Detail(XmlWriter xml, ref string? detail)
    {
        if (detail is null) return;
        xml.WriteStartElement("ParticipantObjectDetail");
        xml.WriteAttributeString("type", "detail");
        xml.WriteAttributeString("value", Convert.ToBase64String(Encoding.UTF8.GetBytes(detail)));
        xml.WriteEndElement();
        detail = null;
    }

    /// <summary>Drops characters XML cannot carry (control characters in a user name as typed), which would otherwise make the message unwritable.</summary>
    private static string Clean(string text) => text.All(XmlConvert.IsXmlChar) ? text : string.Concat(text.Where(XmlConvert.IsXmlChar));

    private static void Code(XmlWriter xml, string element, string code, string system, string meaning)
    {
        xml.WriteStartElement(element);
        xml.WriteAttributeString("csd-code", code);
        xml.WriteAttributeString("codeSystemName", system);
        xml.WriteAttributeString("originalText", meaning);
        xml.WriteEndElement();
    }
}
