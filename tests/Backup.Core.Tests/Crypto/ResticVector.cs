using System.Text;

namespace Backup.Core.Tests.Crypto;

/// <summary>The key file and config of a repository created by restic 0.14.0 (restic-format.md, sections 3.9 and 3.10).</summary>
internal static class ResticVector
{
    public const string Password = "correct horse battery staple";

    public const string KeyFileName = "f0349352fd6b2202d01a84d2018e0a285aebecdda7cfa5f4cf6fee22da454adc";

    public const string KeyFileJson =
        """{"created":"2026-11-21T20:08:27.935456548Z","username":"root","hostname":"vm","kdf":"scrypt","N":32768,"r":8,"p":3,"salt":"Devy+q0LYwh4GZZF/fBknNR/k/BhyT/QNILDPx4lYONS32y0EViVg7r96HlOv9xhdaMdMpYzpfYsO5IhQMooIA==","data":"6OTf+fRSTWprAsjsX5NJxdrv/IRgnOr15GLu98BLFoudxCvuwtcibs5gFqsYvgQ8IqzH2GQ6TyQ++nsn0u5XCGaPWJf7Q4jjZzEuUM2GoJo+RyP0QqJINgu8GFKXC+qJFo0LdLxbBsrHzt3JKwcTNQ6XED1glUMlVjsrEHoPG/ohBb30vPG/ZTTdN4XxZ+5Ck4TB9FHPqE1u1S740MWjjA=="}""";

    public const string MasterKeyJson =
        """{"mac":{"k":"n7THAyRLgei3plHWYHQerA==","r":"cDsBAUCsSg+cRzMIsNT/Cg=="},"encrypt":"9HBn0DcV3B6e8UFM8izVf+LOUSXu1j4hSLlKQW6C5yE="}""";

    public const string ConfigPlaintext =
        """{"version":2,"id":"373d5830d7f63d2f3ed357aa264c962d05873db69ff61d0ebf297636919d39a0","chunker_polynomial":"37f2b5dc58bfad"}""";

    public static byte[] KeyFileBytes => Encoding.ASCII.GetBytes(KeyFileJson);

    public static byte[] PasswordBytes => Encoding.UTF8.GetBytes(Password);

    public static byte[] Config => Hex(
        """
        c41ebd6fe667fc67baa0468363229673a5b1443e3ffb8273b8934539516185837a05abf31cfdfa33749348d032d419dc
        48e4076046eb4f0d9e7fe12a9df627ee05f5e73faa8adb86e0d564bc5775691bdb270b6a62fe87851d3aee500568c8e5
        1daf08d74d105f190ea695609eb728ac5bec60bdbf9c5a8760ddd9aa16c74f1931a5a1c16a0b97cc157d7a535c7e1fe1
        fffc72cae3292179eeafc8
        """);

    /// <summary>Hex with any whitespace or colons between the digits.</summary>
    public static byte[] Hex(string text)
    {
        var digits = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (!char.IsWhiteSpace(c) && c != ':')
            {
                digits.Append(c);
            }
        }

        return Convert.FromHexString(digits.ToString());
    }
}
