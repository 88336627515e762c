using System.Diagnostics;
using DicomGateway.Routing;

namespace Gateway.Tests.Routing;

public sealed class WildcardPatternTests
{
    [Theory]
    [InlineData("*", "", true)]
    [InlineData("*", "anything at all", true)]
    [InlineData("**", "x", true)]
    [InlineData("?", "a", true)]
    [InlineData("?", "", false)]
    [InlineData("?", "ab", false)]
    [InlineData("C?", "CT", true)]
    [InlineData("C?", "C", false)]
    [InlineData("a*b*c", "abc", true)]
    [InlineData("a*b*c", "aXXbYYc", true)]
    [InlineData("a*b*c", "acb", false)]
    [InlineData("a*b*c", "abcX", false)]
    [InlineData("a*b*c", "Xabc", false)]
    [InlineData("a*a", "a", false)]
    [InlineData("a*a", "aa", true)]
    [InlineData("*HEART*", "CT heart and lungs", true)]
    [InlineData("*HEART*", "Herz", false)]
    [InlineData("ct", "CT", true)]
    [InlineData("CT", "MR", false)]
    [InlineData("", "", true)]
    [InlineData("", "x", false)]
    [InlineData("*?", "", false)]
    [InlineData("?*", "x", true)]
    [InlineData("*ab*ab*", "ab-ab", true)]
    [InlineData("*ab*ab*", "abab", true)]
    [InlineData("*ab*ab*", "aba", false)]
    [InlineData("NOVÁK^*", "novák^jan", true)]
    public void Patterns_match_whole_values_with_star_and_question_mark_ignoring_case(string pattern, string text, bool expected)
    {
        WildcardPattern.IsMatch(pattern, text).Should().Be(expected);
    }

    [Fact]
    public void A_pattern_longer_than_64_characters_is_refused()
    {
        var act = () => WildcardPattern.IsMatch(new string('a', 65), "a");

        act.Should().Throw<ArgumentException>();
        WildcardPattern.IsMatch(new string('a', 64), new string('A', 64)).Should().BeTrue();
    }

    [Theory]
    [InlineData("*a*a*a*a*b")]
    [InlineData("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b")]
    [InlineData("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*aaaaaaab*")]
    [InlineData("a?a?a?a?a?a?a?a*a?a?a?a?a?a?a?a?a?a?a?a?ab*a")]
    public void A_pathological_pattern_against_a_long_value_answers_quickly(string pattern)
    {
        var text = new string('a', 1_000_000);

        var watch = Stopwatch.StartNew();
        var matched = WildcardPattern.IsMatch(pattern, text);
        watch.Stop();

        matched.Should().BeFalse();
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(1));
    }
}
