using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Inference.Grpc.Client;

namespace Inference.Grpc.Tests.Unit;

public sealed class SslOptionsCopyTests
{
    /// <summary>Every settable property, set away from its default, survives the copy; a new one fails here until handled.</summary>
    [Fact]
    public void Copy_KeepsEverySettableProperty()
    {
        var source = new SslClientAuthenticationOptions();
        var properties = typeof(SslClientAuthenticationOptions).GetProperties().Where(p => p.CanWrite).ToList();
        foreach (var property in properties)
        {
            if (property.PropertyType == typeof(CipherSuitesPolicy) && OperatingSystem.IsWindows())
            {
                continue; // Not supported there.
            }

            property.SetValue(source, SampleFor(property.PropertyType, property.GetValue(source)) ?? throw new Xunit.Sdk.XunitException(
                $"No sample value for {property.Name} ({property.PropertyType.Name}): make GrpcChannel.Copy handle it, then this test."));
        }

        var copy = GrpcChannel.Copy(source);

        Assert.NotEmpty(properties);
        foreach (var property in properties)
        {
            if (property.Name == nameof(SslClientAuthenticationOptions.ApplicationProtocols))
            {
                Assert.NotSame(source.ApplicationProtocols, copy.ApplicationProtocols);
                Assert.Equal(source.ApplicationProtocols!, copy.ApplicationProtocols!);
                continue;
            }

            Assert.True(Equals(property.GetValue(source), property.GetValue(copy)), $"{property.Name} was not copied");
        }
    }

    private static object? SampleFor(Type type, object? current)
    {
        if (type == typeof(bool))
        {
            return !(bool)current!;
        }

        if (type.IsEnum)
        {
            return Enum.GetValues(type).Cast<object>().First(value => !value.Equals(current));
        }

        if (type == typeof(string))
        {
            return "models.internal";
        }

        if (type == typeof(List<SslApplicationProtocol>))
        {
            return new List<SslApplicationProtocol> { SslApplicationProtocol.Http11 };
        }

        if (type == typeof(RemoteCertificateValidationCallback))
        {
            return new RemoteCertificateValidationCallback((_, _, _, _) => true);
        }

        if (type == typeof(LocalCertificateSelectionCallback))
        {
            return new LocalCertificateSelectionCallback((_, _, _, _, _) => null!);
        }

        if (type == typeof(X509CertificateCollection))
        {
            return new X509CertificateCollection();
        }

        if (type == typeof(X509ChainPolicy))
        {
            return new X509ChainPolicy();
        }

        if (type == typeof(CipherSuitesPolicy) && !OperatingSystem.IsWindows())
        {
            return new CipherSuitesPolicy([TlsCipherSuite.TLS_AES_128_GCM_SHA256]);
        }

        if (type == typeof(SslStreamCertificateContext))
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var certificate = new CertificateRequest("CN=client", key, HashAlgorithmName.SHA256)
                .CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
            return SslStreamCertificateContext.Create(certificate, null, offline: true);
        }

        return null;
    }
}
