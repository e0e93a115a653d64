package io.github.unikernelfaas.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.unikernelfaas.flavour.Flavour;
import io.github.unikernelfaas.flavour.Flavours;
import io.github.unikernelfaas.vm.Guest;
import io.github.unikernelfaas.vm.RootKind;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UruncConfigTest {
    private static final String P = UruncConfig.PREFIX;

    /** The shipped flavour's initrd command line, as the package goal resolves it. */
    private static String flavourArgs() {
        Flavour f = Flavours.load(Flavour.DEFAULT);
        return Guest.resolve(f.kernelArgs(RootKind.INITRD), 8123);
    }

    /** What urunc should get as cmdline: an app name, then the flavour's words after its "--". */
    private static String flavourCmdline() {
        String args = flavourArgs();
        return "python " + args.substring(args.indexOf(" -- ") + 4);
    }

    @Test
    void theCmdlineIsTheAppPartOfTheFlavoursKernelArgsSoUruncsOwnParamsAreNotRepeated() {
        UruncConfig c = UruncConfig.forInitrd(flavourArgs(), Flavours.load(Flavour.DEFAULT).unikraftVersion());
        assertEquals(flavourCmdline(), c.cmdline());
        assertTrue(c.cmdline().startsWith("python -S -c \"import sys, app.wrapper as w;"), c.cmdline());
        assertEquals(List.of(), UruncConfig.droppedParams(flavourArgs()),
                "the flavour's libparams are all ones urunc sends itself");
        // urunc adds its netdev/vfs params and the one "--" itself (unikraft.go CommandString).
        assertTrue(!c.cmdline().contains("--port 8123 ") && !c.cmdline().contains("netdev.")
                && !c.cmdline().contains("vfs.") && !c.cmdline().matches(".*(^| )--( |$).*"), c.cmdline());
    }

    @Test
    void theVersionIsTheNumericReleaseSoUruncPicksTheCompatParamsBelow0161() {
        assertEquals("0.13.1", UruncConfig.version("0.13.1~85b83a74"));
        assertEquals("0.16.1", UruncConfig.version("v0.16.1"));
        ImageException e = assertThrows(ImageException.class, () -> UruncConfig.version("main"));
        assertTrue(e.getMessage().contains("unikernel.unikraftVersion"), e.getMessage());
    }

    @Test
    void everyKeyUruncReadsIsThereBase64EncodedInJson() throws Exception {
        UruncConfig c = UruncConfig.forInitrd(flavourArgs(), "0.13.1~85b83a74");
        JsonNode json = new ObjectMapper().readTree(c.json());
        // The non-omitempty fields of urunc's UnikernelConfig, plus the initrd and cmdline we need.
        for (String key : List.of("unikernelType", "unikernelVersion", "binary", "hypervisor", "useDMBlock", "cmdline",
                "initrd")) {
            assertTrue(json.has(P + key), key + " in " + json);
        }
        assertEquals(7, json.size());
        Map<String, String> plain = Map.of(P + "unikernelType", "unikraft", P + "hypervisor", "qemu",
                P + "binary", "/unikraft/bin/kernel", P + "initrd", "/unikraft/bin/initrd",
                P + "cmdline", flavourCmdline(), P + "unikernelVersion", "0.13.1",
                P + "useDMBlock", "false");
        plain.forEach((k, v) -> assertEquals(v, new String(Base64.getDecoder().decode(json.get(k).asText()),
                StandardCharsets.UTF_8), k));
        assertEquals(plain, UruncConfig.decode(c.json()));
        assertEquals(c.encoded().get(P + "cmdline"), json.get(P + "cmdline").asText());
    }

    @Test
    void argumentsUruncWillNotPassAreNamed() {
        String args = "vfs.rootfs=initrd netdev.ipv4_addr=10.0.2.15 ukdebug.loglevel=3 -- -m app.wrapper";
        assertEquals(List.of("ukdebug.loglevel=3"), UruncConfig.droppedParams(args));
        assertEquals(List.of(), UruncConfig.appArgs("console=ttyS0 quiet"), "no '--', no app part");
        assertEquals("python", UruncConfig.forInitrd("console=ttyS0 quiet", "0.13.1").cmdline());
    }
}
