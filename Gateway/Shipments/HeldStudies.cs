using Dapper;
using DicomGateway.AddressBook;
using DicomGateway.Audit;
using DicomGateway.Database;
using DicomGateway.Notifications;
using DicomGateway.Routing;
using DicomGateway.Studies;
using Microsoft.Extensions.Options;

namespace DicomGateway.Shipments;

/// <summary>
/// The inbox of held studies: those no rule addressed, those a rule said to hold, and follow-ups that came from a sender
/// other than the study's original one (each with its reason). An administrator sees what they are
/// (reading them is audited as an access), then addresses them to recipients, routes them again by the saved rules,
/// or discards them. The work itself is the sealer's, so a held study is sealed exactly like a routed one.
/// </summary>
public sealed class HeldStudies(GatewayDatabase database, StudyStore studies, ShipmentSealer sealer, AuditTrail audit, PhoneNumberNormalizer phones,
    ContactStore contacts, IOptions<RoutingOptions> routing)
{
    /// <summary>
    /// A held study as the inbox lists it. <see cref="HoldReason"/> is why (<see cref="HoldReasons"/>: <c>no-rule</c>,
    /// <c>rule</c>, <c>sender-changed</c>; null for a study held before reasons were kept); <see cref="Generation"/> above 0 is a follow-up.
    /// </summary>
    public sealed record HeldStudy(long StudyId, string CallingAeTitle, string CalledAeTitle, string? RemoteHost, DateTimeOffset FirstReceivedAt,
        DateTimeOffset LastReceivedAt, int InstanceCount, long TotalBytes, string? HoldReason, long Generation);

    public sealed record HeldSeries(string? Description, string? Modality, int? SeriesNumber, int InstanceCount);

    public sealed record HeldStudyDetails(HeldStudy Study, string? PatientName, string? PatientId, string? PatientBirthDate, string? StudyDate,
        string? StudyDescription, string? AccessionNumber, string? ReferringPhysicianName, string? InstitutionName, IReadOnlyList<string> Modalities,
        IReadOnlyList<HeldSeries> Series);

    /// <summary>An administrator's addressing of a held study: literal recipients and address-book contacts, like a rule's ship action.</summary>
    public sealed record AddressingRequest(IReadOnlyList<ShipRecipient> Recipients, int? ExpiryDays, int? MaxDownloads, string? Language, string? NotifyEmail,
        string? SenderName, string? SenderOrganisation);

    /// <summary>The inbox shows the newest this many; a rule that holds everything must not make the page unusable.</summary>
    public const int MaxListed = 500;

    public async Task<IReadOnlyList<HeldStudy>> ListAsync(CancellationToken cancellationToken)
    {
        var held = await studies.ListNewestAsync([StudyState.Held], readableOnly: false, MaxListed, cancellationToken).ConfigureAwait(false);
        return [.. held.Select(ToHeld)];
    }

    /// <summary>What the held study is, from its encrypted instance summaries; audited as an access by <paramref name="actor"/>.</summary>
    public async Task<HeldStudyDetails?> DetailsAsync(long studyId, SealActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var study = await studies.FindAsync(studyId, cancellationToken).ConfigureAwait(false);
        if (study is not { State: StudyState.Held, IsReadable: true }) return null;
        var instances = await studies.InstancesAsync(studyId, cancellationToken).ConfigureAwait(false);
        List<InstanceHeader> headers;
        using (var dataKey = studies.LendKey(study))
            headers = [.. instances.Where(i => i.Summary is not null).Select(i => SummaryCodec.Decode(dataKey.Bytes, i.Summary!))];
        await audit.RecordAsync(new AuditEvent
        {
            EventId = AuditEventIds.InstancesAccessed,
            Action = AuditAction.Read,
            Outcome = AuditOutcome.Success,
            ActorKind = AuditActorKind.Administrator,
            Actor = actor.Name,
            ActorAddress = actor.Address,
            StudyId = studyId,
            PatientRef = study.PatientRef,
            Detail = new { what = "held study's description shown to an administrator", instances = headers.Count },
        }, cancellationToken).ConfigureAwait(false);
        var first = headers.FirstOrDefault();
        var series = headers.GroupBy(h => h.SeriesInstanceUid ?? "")
            .Select(g => new HeldSeries(g.First().SeriesDescription, g.First().Modality, g.First().SeriesNumber, g.Count()))
            .OrderBy(s => s.SeriesNumber ?? int.MaxValue).ToList();
        return new HeldStudyDetails(ToHeld(study), first?.PatientName, first?.PatientId, first?.PatientBirthDate, first?.StudyDate, first?.StudyDescription,
            first?.AccessionNumber, first?.ReferringPhysicianName, first?.InstitutionName,
            [.. headers.Select(h => h.Modality).OfType<string>().Distinct(StringComparer.Ordinal)], series);
    }

    /// <summary>Checks an addressing and turns it into the sealer's plan (contacts read now); the errors are keyed by field.</summary>
    public async Task<(ShipPlan? Plan, Dictionary<string, string[]> Errors)> PlanAsync(AddressingRequest addressing, SealActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(addressing);
        ArgumentNullException.ThrowIfNull(actor);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var recipients = new List<PlannedRecipient>();
        if (addressing.Recipients.Count == 0) errors["recipients"] = ["Give at least one recipient."];
        if (addressing.Recipients.Count > RuleValidator.MaxRecipients) errors["recipients"] = [$"At most {RuleValidator.MaxRecipients} recipients."];
        if (addressing.Language is { } actionLanguage && !Addressing.Languages.Contains(actionLanguage)) errors["language"] = ["Language must be cs, pl or en."];
        for (var i = 0; i < addressing.Recipients.Count; i++)
        {
            var r = addressing.Recipients[i];
            string? email, rawPhone, language;
            if (r.ContactId is { } contactId)
            {
                var contact = await contacts.GetAsync(contactId, cancellationToken).ConfigureAwait(false);
                if (contact is null)
                {
                    errors[$"recipients[{i}].contactId"] = [$"There is no contact {contactId} in the address book."];
                    continue;
                }
                (email, rawPhone, language) = (contact.Email, contact.Phone, r.Language ?? addressing.Language ?? contact.Language);
            }
            else
            {
                (email, rawPhone, language) = (r.Email, r.Phone, r.Language ?? addressing.Language);
            }
            email = string.IsNullOrWhiteSpace(email) ? null : email.Trim();
            string? phone = null;
            if (email is null && string.IsNullOrWhiteSpace(rawPhone)) errors[$"recipients[{i}]"] = ["Give an e-mail address (the link goes there) and a mobile number (for the code)."];
            if (email is not null && !System.Net.Mail.MailAddress.TryCreate(email, out _)) errors[$"recipients[{i}].email"] = ["Not an e-mail address."];
            if (!string.IsNullOrWhiteSpace(rawPhone))
            {
                if (phones.TryNormalize(rawPhone, out var e164)) phone = e164;
                else errors[$"recipients[{i}].phone"] = ["Not a mobile number this gateway can send an SMS to; write it with its country code, e.g. +420 603 000 000."];
            }
            language ??= routing.Value.DefaultLanguage;
            if (!Addressing.Languages.Contains(language)) errors[$"recipients[{i}].language"] = ["Language must be cs, pl or en."];
            recipients.Add(new PlannedRecipient(email, phone, language, r.ContactId));
        }
        var expiry = addressing.ExpiryDays ?? routing.Value.DefaultExpiryDays;
        if (expiry is < RuleValidator.MinExpiryDays or > RuleValidator.MaxExpiryDays) errors["expiryDays"] = [$"Between {RuleValidator.MinExpiryDays} and {RuleValidator.MaxExpiryDays} days."];
        if (addressing.MaxDownloads is < 1) errors["maxDownloads"] = ["At least 1, or empty for no limit."];
        if (addressing.NotifyEmail is { } notify && !string.IsNullOrWhiteSpace(notify) && !System.Net.Mail.MailAddress.TryCreate(notify.Trim(), out _))
            errors["notifyEmail"] = ["Not an e-mail address."];
        if (errors.Count > 0) return (null, errors);
        return (new ShipPlan(null, $"addressed by {actor.Name}", recipients, expiry, addressing.MaxDownloads,
            string.IsNullOrWhiteSpace(addressing.NotifyEmail) ? null : addressing.NotifyEmail.Trim(), addressing.SenderName, addressing.SenderOrganisation), errors);
    }

    public Task<SealOutcome> AddressAsync(long studyId, ShipPlan plan, SealActor actor, CancellationToken cancellationToken) =>
        sealer.ProcessHeldAsync(studyId, new SealDirective.AddressDirective(plan), actor, cancellationToken);

    public Task<SealOutcome> RouteAsync(long studyId, SealActor actor, CancellationToken cancellationToken) =>
        sealer.ProcessHeldAsync(studyId, SealDirective.Route, actor, cancellationToken);

    public Task<SealOutcome> DiscardAsync(long studyId, string? reason, SealActor actor, CancellationToken cancellationToken) =>
        sealer.ProcessHeldAsync(studyId, new SealDirective.DiscardDirective(string.IsNullOrWhiteSpace(reason) ? null : reason.Trim()), actor, cancellationToken);

    /// <summary>The shipments sealed for a study (after addressing it), newest last.</summary>
    public async Task<IReadOnlyList<long>> ShipmentsOfAsync(long studyId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return [.. await connection.QueryAsync<long>("SELECT id FROM shipments WHERE study_id = @studyId ORDER BY id", new { studyId }).ConfigureAwait(false)];
    }

    private static HeldStudy ToHeld(Study s) => new(s.Id, s.CallingAeTitle, s.CalledAeTitle, s.RemoteHost, s.FirstReceivedAt, s.LastReceivedAt, (int)s.InstanceCount,
        s.TotalBytes, s.HoldReason?.Name(), s.Generation);
}
