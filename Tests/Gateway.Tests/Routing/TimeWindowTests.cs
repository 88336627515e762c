using DicomGateway.Routing;
using static Gateway.Tests.Support.Headers;

namespace Gateway.Tests.Routing;

public sealed class TimeWindowTests
{
    private static readonly TimeWindow Weekdays = new() { Days = ["mon", "tue", "wed", "thu", "fri"], From = "07:00", To = "15:30" };

    private static bool? InWindow(TimeWindow window, DateTimeOffset receivedAt, string timeZone = "UTC") =>
        Evaluate([Rule("r", window: window, actions: Ship("a@example.org"))], Input(receivedAt: receivedAt), timeZone).Trace.Single().TimeWindowMatched;

    [Theory]
    [InlineData("2026-01-05T07:00:00Z", true)]  // Monday, at the start: inclusive
    [InlineData("2026-01-05T15:29:59Z", true)]
    [InlineData("2026-01-05T15:30:00Z", false)] // the end is not included
    [InlineData("2026-01-05T06:59:00Z", false)]
    [InlineData("2026-01-09T12:00:00Z", true)]  // Friday
    [InlineData("2026-01-10T12:00:00Z", false)] // Saturday
    [InlineData("2026-01-11T12:00:00Z", false)] // Sunday
    public void A_weekday_window_covers_its_days_from_its_start_up_to_its_end(string at, bool expected)
    {
        InWindow(Weekdays, DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture)).Should().Be(expected);
    }

    [Theory]
    [InlineData("2026-01-09T22:00:00Z", true)]  // Friday night
    [InlineData("2026-01-10T05:59:00Z", true)]  // Saturday morning belongs to Friday's window
    [InlineData("2026-01-10T06:00:00Z", false)]
    [InlineData("2026-01-10T22:30:00Z", false)] // Saturday night: not a window day
    [InlineData("2026-01-09T05:00:00Z", false)] // Friday morning belongs to Thursday, not a window day
    [InlineData("2026-01-09T21:59:00Z", false)]
    public void An_overnight_window_runs_past_midnight_and_belongs_to_the_day_it_starts(string at, bool expected)
    {
        var window = new TimeWindow { Days = ["fri"], From = "22:00", To = "06:00" };

        InWindow(window, DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture)).Should().Be(expected);
    }

    [Fact]
    public void A_window_without_days_applies_every_day_and_equal_times_mean_the_whole_day()
    {
        InWindow(new TimeWindow { From = "00:00", To = "24:00" }, MondayMorning.AddDays(5)).Should().BeTrue();
        InWindow(new TimeWindow { Days = ["sat"], From = "00:00", To = "00:00" }, new DateTimeOffset(2026, 1, 10, 23, 59, 0, TimeSpan.Zero)).Should().BeTrue();
        InWindow(new TimeWindow { Days = ["sat"], From = "00:00", To = "00:00" }, new DateTimeOffset(2026, 1, 11, 0, 0, 0, TimeSpan.Zero)).Should().BeFalse();
    }

    [Theory]
    [InlineData("2026-01-05T06:30:00Z", true)]  // 07:30 CET
    [InlineData("2026-01-05T05:30:00Z", false)] // 06:30 CET
    [InlineData("2026-07-06T05:30:00Z", true)]  // 07:30 CEST
    [InlineData("2026-07-06T13:45:00Z", false)] // 15:45 CEST
    [InlineData("2026-07-06T13:15:00Z", true)]  // 15:15 CEST
    public void Windows_are_read_in_the_configured_time_zone_summer_and_winter(string at, bool expected)
    {
        InWindow(Weekdays, DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture), "Europe/Prague").Should().Be(expected);
    }

    [Theory]
    // Sunday 29 March 2026: in Prague, clocks go from 02:00 CET to 03:00 CEST (01:00 UTC).
    [InlineData("2026-03-29T00:30:00Z", false)] // 01:30 CET
    [InlineData("2026-03-29T00:59:00Z", false)] // 01:59 CET
    [InlineData("2026-03-29T01:00:00Z", true)]  // 03:00 CEST
    [InlineData("2026-03-29T01:59:00Z", true)]  // 03:59 CEST
    [InlineData("2026-03-29T02:00:00Z", false)] // 04:00 CEST
    // Sunday 25 October 2026: from 03:00 CEST back to 02:00 CET (01:00 UTC); 02:xx happens twice.
    [InlineData("2026-10-25T00:30:00Z", true)]  // 02:30 CEST
    [InlineData("2026-10-25T01:30:00Z", true)]  // 02:30 CET
    [InlineData("2026-10-25T02:30:00Z", true)]  // 03:30 CET
    [InlineData("2026-10-25T03:00:00Z", false)] // 04:00 CET
    public void A_window_follows_local_clock_time_across_daylight_saving_changes(string at, bool expected)
    {
        var window = new TimeWindow { Days = ["sun"], From = "02:00", To = "04:00" };

        InWindow(window, DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture), "Europe/Prague").Should().Be(expected);
    }

    [Fact]
    public void A_rule_outside_its_window_does_not_match_even_when_its_conditions_hold_and_does_not_stop()
    {
        var rules = new[]
        {
            Rule("night", order: 10, window: new TimeWindow { From = "22:00", To = "06:00" }, actions: Ship("night@example.org")),
            Rule("day", order: 20, actions: Ship("day@example.org")),
        };

        var decision = Evaluate(rules, Input(receivedAt: MondayMorning));

        decision.Trace[0].Should().BeEquivalentTo(new { Matched = false, TimeWindowMatched = (bool?)false, StoppedHere = false });
        decision.Ships.Select(s => s.RuleName).Should().Equal("day");
    }

    [Fact]
    public void Without_a_received_time_the_window_is_read_at_evaluation_time()
    {
        var input = Input() with { ReceivedAt = null };
        var window = new TimeWindow { Days = ["mon"], From = "08:00", To = "09:00" };

        var decision = RuleEvaluator.Evaluate([Rule("r", window: window, actions: Ship("a@example.org"))], input, new RoutingOptions { TimeZone = "UTC" }, now: MondayMorning);

        decision.Trace.Single().TimeWindowMatched.Should().BeTrue();
    }
}
