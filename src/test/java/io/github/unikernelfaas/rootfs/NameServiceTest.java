package io.github.unikernelfaas.rootfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.unikernelfaas.UnikernelException;
import io.github.unikernelfaas.flavour.TestFlavours;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fs0's /etc/hosts and /etc/resolv.conf, and the unikernel.dns setting. */
class NameServiceTest {
    @TempDir
    Path dir;

    @Test
    void theDefaultServerIsQemuUserNetworkingsForwarder() {
        NameService n = NameService.parse(null, "orders-fn");
        assertEquals(List.of("10.0.2.3"), n.servers());
        assertEquals("# Written by unikernel-faas (unikernel.dns)\nnameserver 10.0.2.3\noptions timeout:2 attempts:2\n",
                n.resolvConf());
        assertEquals(List.of("10.0.2.3"), NameService.parse(" ", "x").servers(), "blank is the default");
    }

    @Test
    void upToThreeServersInOrderIpv6Included() {
        NameService n = NameService.parse("10.0.0.2, 192.168.1.1,fd00::53", "f");
        assertEquals(List.of("10.0.0.2", "192.168.1.1", "fd00::53"), n.servers());
        assertTrue(n.resolvConf().contains("nameserver 10.0.0.2\nnameserver 192.168.1.1\nnameserver fd00::53\n"));
    }

    @Test
    void aNameOrANonsenseAddressOrTooManyServersIsRefusedNamingTheSetting() {
        for (String bad : List.of("dns.example.com", "10.0.2.256", "10.0.2", "1.2.3.4,", "::zz")) {
            UnikernelException e = assertThrows(UnikernelException.class, () -> NameService.parse(bad, "f"), bad);
            assertTrue(e.getMessage().startsWith("unikernel.dns must list name servers by IP address"), e.getMessage());
            assertEquals(Optional.of("unikernel.dns"), e.setting());
        }
        UnikernelException many = assertThrows(UnikernelException.class,
                () -> NameService.parse("1.1.1.1,1.0.0.1,8.8.8.8,8.8.4.4", "f"));
        assertTrue(many.getMessage().contains("one to 3 name server addresses"), many.getMessage());
    }

    @Test
    void hostsMapsLocalhostTheFunctionAndTheKernelsNodeNameToLoopbackOnly() {
        assertEquals("# Written by unikernel-faas\n127.0.0.1\tlocalhost orders-fn unikraft\n",
                NameService.parse(null, "orders-fn").hosts());
        assertEquals("127.0.0.1\tlocalhost my-fn-2 unikraft",
                NameService.parse(null, "My_Fn 2").hosts().lines().skip(1).findFirst().orElseThrow(),
                "a name a hosts file accepts");
        assertFalse(NameService.parse(null, null).hosts().contains("::1"), "the guest has no IPv6");
        assertEquals("127.0.0.1\tlocalhost unikraft",
                NameService.parse(null, "--").hosts().lines().skip(1).findFirst().orElseThrow());
    }

    @Test
    void theAssemblerWritesBothFilesAtFs0sRoot() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("function.py"), "def handler(event):\n    return event\n");
        Fs0Layout fs0 = new Fs0Layout(dir.resolve("fs0"), TestFlavours.DEFAULT.pythonLib());
        Fs0Assembler.assemble(src, fs0, WrapperSettings.parse("25"), NameService.parse("10.0.2.2", "dns-it"));
        assertEquals("# Written by unikernel-faas (unikernel.dns)\nnameserver 10.0.2.2\noptions timeout:2 attempts:2\n",
                Files.readString(fs0.root().resolve("etc/resolv.conf")));
        assertTrue(Files.readString(fs0.root().resolve("etc/hosts")).contains("127.0.0.1\tlocalhost dns-it"));
    }
}
