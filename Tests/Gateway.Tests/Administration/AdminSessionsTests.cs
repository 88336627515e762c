using DicomGateway.Administration;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Administration;

/// <summary>The server-side list of administrator sessions: an ended or idle session is refused, whatever cookie names it.</summary>
public sealed class AdminSessionsTests
{
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero));

    private AdminSessions Sessions() => new(_clock, Options.Create(new AdministrationOptions { SessionMinutes = 30 }));

    [Fact]
    public void An_ended_session_is_refused_and_ending_it_again_or_an_unknown_one_does_nothing()
    {
        var sessions = Sessions();
        var id = sessions.Start();
        var other = sessions.Start();
        id.Should().NotBe(other).And.HaveLength(43, "32 random bytes in base64url");
        sessions.Touch(id).Should().BeTrue();

        sessions.End(id);
        sessions.Touch(id).Should().BeFalse();
        sessions.Touch(other).Should().BeTrue("ending one session leaves the others");
        sessions.End(id);
        sessions.End("no-such-session");
        sessions.End(null);
        sessions.Touch(other).Should().BeTrue();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("made-up")]
    public void A_session_the_server_never_started_is_refused(string? id) => Sessions().Touch(id).Should().BeFalse();

    [Fact]
    public void A_session_idle_longer_than_the_session_minutes_ends_and_a_used_one_lives_on()
    {
        var sessions = Sessions();
        var idle = sessions.Start();
        var used = sessions.Start();
        for (var i = 0; i < 4; i++)
        {
            _clock.Advance(TimeSpan.FromMinutes(20));
            sessions.Touch(used).Should().BeTrue("each request restarts the idle time");
        }
        sessions.Touch(idle).Should().BeFalse();
        sessions.Start();
        sessions.Count.Should().Be(2, "starting a session sweeps the idle ones");
    }
}
