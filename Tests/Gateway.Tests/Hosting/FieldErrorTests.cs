using DicomGateway.Hosting;

namespace Gateway.Tests.Hosting;

public sealed class FieldErrorTests
{
    [Fact]
    public void Errors_are_grouped_by_field_in_the_order_they_were_found()
    {
        var grouped = FieldError.Group([new("name", "is empty"), new("email", "is not an e-mail address"), new("name", "is too long")]);

        grouped.Keys.Should().Equal("name", "email");
        grouped["name"].Should().Equal("is empty", "is too long");
        FieldError.Group([]).Should().BeEmpty();
        new FieldError("port", "must be from 1 to 65535").ToString().Should().Be("port: must be from 1 to 65535");
    }
}
