using System.Text.Json;
using Dapper;
using DicomGateway.Audit;
using DicomGateway.Database;
using DicomGateway.Hosting;
using DicomKit.Data;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace DicomGateway.AddressBook;

/// <summary>A contact was refused; <see cref="Errors"/> name the fields ("email", "dicomNames[1]").</summary>
public sealed class ContactValidationException : Exception
{
    public ContactValidationException(string message, IReadOnlyList<FieldError> errors) : base(message) => Errors = errors;

    public ContactValidationException() : this("The contact is not valid", []) { }

    public ContactValidationException(string message) : this(message, []) { }

    public ContactValidationException(string message, Exception innerException) : base(message, innerException) => Errors = [];

    public IReadOnlyList<FieldError> Errors { get; }
}

/// <summary>A contact cannot be deleted while rules name it; <see cref="Rules"/> are those rules (id, name).</summary>
public sealed class ContactInUseException : Exception
{
    public ContactInUseException(long contactId, IReadOnlyList<(long Id, string Name)> rules)
        : base($"Contact {contactId} is named by routing rules {string.Join(", ", rules.Select(r => $"{r.Id} \"{r.Name}\""))}; change those rules first")
    {
        ContactId = contactId;
        Rules = rules;
    }

    public ContactInUseException() : this(0, []) { }

    public ContactInUseException(string message) : base(message) => Rules = [];

    public ContactInUseException(string message, Exception innerException) : base(message, innerException) => Rules = [];

    public long ContactId { get; }

    public IReadOnlyList<(long Id, string Name)> Rules { get; }
}

/// <summary>
/// The address book in <c>contacts</c>, and an in-memory snapshot of it for routing (reloaded after every write, in
/// commit order). Writes validate and normalise (phone numbers to E.164), and are audited with the administrator's
/// name and the contact's id and name, never its addresses.
/// </summary>
public sealed partial class ContactStore(GatewayDatabase database, PhoneNumberNormalizer phones, IContactReferences references, AuditTrail audit, TimeProvider time, ILogger<ContactStore> logger)
{
    public const int MaxNameLength = 200;
    public const int MaxDicomNames = 20;
    public const int MaxDicomNameLength = 320;
    public const int MaxNotesLength = 2000;

    private const string Columns = "id AS Id, name AS Name, email AS Email, phone AS Phone, language AS Language, organisation AS Organisation, dicom_names AS DicomNames, notes AS Notes";

    private readonly SnapshotWrites _writes = new(database);
    private volatile ContactDirectory? _directory;

    public async Task<IReadOnlyList<Contact>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ReadAllAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Contact?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM contacts WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToContact();
    }

    /// <summary>The contacts one of whose DICOM names is <paramref name="dicomName"/> as a person name ("Novak^Jan" finds "NOVAK^JAN^^^").</summary>
    public async Task<IReadOnlyList<Contact>> LookupAsync(string dicomName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dicomName);
        return (await GetDirectoryAsync(cancellationToken).ConfigureAwait(false)).FindByDicomName(dicomName);
    }

    /// <summary>The problems of a contact, by field; empty when it can be saved.</summary>
    public IReadOnlyList<FieldError> Validate(Contact contact) => Normalize(contact, out _);

    /// <exception cref="ContactValidationException">The contact is not valid.</exception>
    public async Task<long> AddAsync(Contact contact, string actor, CancellationToken cancellationToken)
    {
        var clean = EnsureValid(contact);
        return await WriteAsync(async (connection, transaction) =>
        {
            var now = Now();
            var id = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                """
                INSERT INTO contacts (name, email, phone, language, organisation, dicom_names, notes, created_at, updated_at)
                VALUES (@Name, @Email, @Phone, @Language, @Organisation, @DicomNames, @Notes, @now, @now) RETURNING id
                """, Parameters(clean, now), transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await AuditAsync(connection, transaction, AuditAction.Create, actor, "contact added", id, clean.Name, null, cancellationToken).ConfigureAwait(false);
            LogContactAdded(id);
            return id;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Replaces the contact with <paramref name="contact"/>'s id; false when there is none.</summary>
    /// <exception cref="ContactValidationException">The contact is not valid.</exception>
    public async Task<bool> UpdateAsync(Contact contact, string actor, CancellationToken cancellationToken)
    {
        var clean = EnsureValid(contact);
        return await WriteAsync(async (connection, transaction) =>
        {
            var before = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
                $"SELECT {Columns} FROM contacts WHERE id = @Id", new { clean.Id }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (before is null) return false;
            var now = Now();
            var parameters = new DynamicParameters(Parameters(clean, now));
            parameters.Add("Id", clean.Id);
            await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE contacts SET name = @Name, email = @Email, phone = @Phone, language = @Language, organisation = @Organisation,
                                    dicom_names = @DicomNames, notes = @Notes, updated_at = @now
                WHERE id = @Id
                """, parameters, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await AuditAsync(connection, transaction, AuditAction.Update, actor, "contact changed", clean.Id, clean.Name,
                Changes(before.ToContact(), clean), cancellationToken).ConfigureAwait(false);
            LogContactUpdated(clean.Id);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a contact; false when there is none.</summary>
    /// <exception cref="ContactInUseException">A routing rule names the contact; nothing was deleted.</exception>
    public async Task<bool> DeleteAsync(long id, string actor, CancellationToken cancellationToken)
    {
        return await WriteAsync(async (connection, transaction) =>
        {
            var name = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
                "SELECT name FROM contacts WHERE id = @id", new { id }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (name is null) return false;
            var users = await references.RulesNamingAsync(connection, transaction, id, cancellationToken).ConfigureAwait(false);
            if (users.Count > 0) throw new ContactInUseException(id, users);
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM contacts WHERE id = @id", new { id }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await AuditAsync(connection, transaction, AuditAction.Delete, actor, "contact deleted", id, name, null, cancellationToken).ConfigureAwait(false);
            LogContactDeleted(id);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The snapshot routing evaluates with; the first call loads it.</summary>
    internal async Task<ContactDirectory> GetDirectoryAsync(CancellationToken cancellationToken)
    {
        if (_directory is { } directory) return directory;
        await _writes.LoadAsync(RefreshAsync, cancellationToken, unlessLoaded: () => _directory is not null).ConfigureAwait(false);
        return _directory!;
    }

    private Contact EnsureValid(Contact contact)
    {
        var errors = Normalize(contact, out var clean);
        if (errors.Count > 0) throw new ContactValidationException($"The contact is not valid: {string.Join("; ", errors)}", errors);
        return clean;
    }

    private IReadOnlyList<FieldError> Normalize(Contact contact, out Contact clean)
    {
        ArgumentNullException.ThrowIfNull(contact);
        var errors = new List<FieldError>();
        void Fail(string field, string message) => errors.Add(new FieldError(field, message));

        var name = contact.Name?.Trim() ?? "";
        if (name.Length == 0) Fail("name", "is required");
        else if (name.Length > MaxNameLength) Fail("name", $"is longer than {MaxNameLength} characters");
        var email = Blank(contact.Email);
        if (email is not null && !Addressing.IsEmailAddress(email)) Fail("email", "is not an e-mail address");
        var phone = Blank(contact.Phone);
        if (phone is not null)
        {
            if (phones.TryNormalize(phone, out var e164)) phone = e164;
            else Fail("phone", PhoneNumberNormalizer.NotAMobileNumber);
        }
        if (email is null && phone is null) Fail("email", "an e-mail address or a phone number is required");
        var language = Blank(contact.Language);
        if (language is not null && !Addressing.Languages.Contains(language)) Fail("language", $"must be one of {string.Join(", ", Addressing.Languages)}");
        var organisation = Blank(contact.Organisation);
        if (organisation is { Length: > MaxNameLength }) Fail("organisation", $"is longer than {MaxNameLength} characters");
        var notes = Blank(contact.Notes);
        if (notes is { Length: > MaxNotesLength }) Fail("notes", $"is longer than {MaxNotesLength} characters");
        var names = contact.DicomNames ?? [];
        if (names.Count > MaxDicomNames) Fail("dicomNames", $"has more than {MaxDicomNames} entries");
        for (var i = 0; i < names.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(names[i])) continue; // an empty row of a form: dropped below
            if (DicomPersonName.MatchKey(names[i]).Length == 0) Fail($"dicomNames[{i}]", "has no name in it");
            else if (names[i].Length > MaxDicomNameLength) Fail($"dicomNames[{i}]", $"is longer than {MaxDicomNameLength} characters");
            else if (names[i].Contains('\\', StringComparison.Ordinal)) Fail($"dicomNames[{i}]", "may not hold a backslash (give each name as its own entry)");
        }
        clean = contact with
        {
            Name = name,
            Email = email,
            Phone = phone,
            Language = language,
            Organisation = organisation,
            Notes = notes,
            DicomNames = [.. names.Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => n.Trim()).Distinct(StringComparer.Ordinal)],
        };
        return errors;
    }

    private Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> write, CancellationToken cancellationToken) =>
        _writes.WriteAsync(write, RefreshAsync, cancellationToken);

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        _directory = new ContactDirectory(await ReadAllAsync(connection, cancellationToken).ConfigureAwait(false));
    }

    private static async Task<IReadOnlyList<Contact>> ReadAllAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM contacts ORDER BY name COLLATE NOCASE, id", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToContact())];
    }

    private Task AuditAsync(SqliteConnection connection, SqliteTransaction transaction, AuditAction action, string actor, string what, long id, string name,
        IReadOnlyList<string>? changed, CancellationToken cancellationToken) =>
        audit.RecordAsync(connection, transaction, new AuditEvent
        {
            EventId = AuditEventIds.SecurityAlert,
            EventType = AuditEventTypes.SecurityConfiguration,
            Action = action,
            ActorKind = AuditActorKind.Administrator,
            Actor = string.IsNullOrWhiteSpace(actor) ? "unknown" : actor,
            Detail = new { what, contactId = id, contactName = name, changed },
        }, cancellationToken);

    /// <summary>Which fields changed, by name only: addresses are personal data and stay out of the audit trail.</summary>
    private static List<string> Changes(Contact before, Contact after)
    {
        var changed = new List<string>();
        if (before.Name != after.Name) changed.Add("name");
        if (before.Email != after.Email) changed.Add("email");
        if (before.Phone != after.Phone) changed.Add("phone");
        if (before.Language != after.Language) changed.Add("language");
        if (before.Organisation != after.Organisation) changed.Add("organisation");
        if (!before.DicomNames.SequenceEqual(after.DicomNames, StringComparer.Ordinal)) changed.Add("dicomNames");
        if (before.Notes != after.Notes) changed.Add("notes");
        return changed;
    }

    private static object Parameters(Contact c, long now) => new
    {
        c.Name, c.Email, c.Phone, c.Language, c.Organisation, DicomNames = JsonSerializer.Serialize(c.DicomNames), c.Notes, now,
    };

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private long Now() => time.GetUtcNow().ToUnixTimeMilliseconds();

    private sealed class Row
    {
        public long Id { get; set; }
        public string Name { get; set; } = "";
        public string? Email { get; set; }
        public string? Phone { get; set; }
        public string? Language { get; set; }
        public string? Organisation { get; set; }
        public string DicomNames { get; set; } = "[]";
        public string? Notes { get; set; }

        public Contact ToContact() => new()
        {
            Id = Id,
            Name = Name,
            Email = Email,
            Phone = Phone,
            Language = Language,
            Organisation = Organisation,
            DicomNames = JsonSerializer.Deserialize<string[]>(DicomNames) ?? [],
            Notes = Notes,
        };
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Contact {ContactId} added to the address book")]
    private partial void LogContactAdded(long contactId);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "Contact {ContactId} changed")]
    private partial void LogContactUpdated(long contactId);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "Contact {ContactId} deleted")]
    private partial void LogContactDeleted(long contactId);
}
