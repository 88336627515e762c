using Microsoft.Extensions.Logging;

namespace DicomGateway.Commitment;

/// <summary>The module's log lines: AE titles, counts and ids only, never a UID.</summary>
internal static partial class CommitmentLog
{
    [LoggerMessage(EventId = 8501, Level = LogLevel.Information, Message = "Storage commitment {CommitmentId} from {CallingAeTitle} accepted: {Count} instances")]
    public static partial void Accepted(ILogger logger, long commitmentId, string callingAeTitle, int count);

    [LoggerMessage(EventId = 8502, Level = LogLevel.Information, Message = "Storage commitment {CommitmentId} reported to {CallingAeTitle}: {Committed} committed, {Failed} failed")]
    public static partial void Reported(ILogger logger, long commitmentId, string callingAeTitle, int committed, int failed);

    [LoggerMessage(EventId = 8503, Level = LogLevel.Warning, Message = "Storage commitment {CommitmentId} for {CallingAeTitle} not delivered on its association ({Status}); it is kept for delivery on a new association")]
    public static partial void NotDelivered(ILogger logger, long commitmentId, string callingAeTitle, string status);

    [LoggerMessage(EventId = 8504, Level = LogLevel.Error, Message = "Storage commitment request from {CallingAeTitle} could not be stored")]
    public static partial void StoreFailed(ILogger logger, string callingAeTitle, Exception exception);

    [LoggerMessage(EventId = 8505, Level = LogLevel.Warning, Message = "Storage commitment {CommitmentId} for {CallingAeTitle}: delivery attempt {Attempt} on a new association failed: {Reason}")]
    public static partial void DeliveryFailed(ILogger logger, long commitmentId, string callingAeTitle, int attempt, string reason);

    [LoggerMessage(EventId = 8506, Level = LogLevel.Error, Message = "Storage commitment {CommitmentId} for {CallingAeTitle} given up after {Attempts} delivery attempts: {Reason}")]
    public static partial void GaveUp(ILogger logger, long commitmentId, string callingAeTitle, int attempts, string reason);

    [LoggerMessage(EventId = 8507, Level = LogLevel.Error, Message = "Storage commitment delivery round failed: {Reason}")]
    public static partial void DeliveryRoundFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 8508, Level = LogLevel.Information, Message = "Study {StudyId}: every instance received is committed to {CallingAeTitle}; it is sealed now")]
    public static partial void StudyComplete(ILogger logger, long studyId, string callingAeTitle);

    [LoggerMessage(EventId = 8509, Level = LogLevel.Warning, Message = "Storage commitment from {CallingAeTitle}: marking its studies complete failed ({Reason}); they are sealed after the stable time")]
    public static partial void CompletionFailed(ILogger logger, string callingAeTitle, string reason);
}
