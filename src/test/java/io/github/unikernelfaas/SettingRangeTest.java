package io.github.unikernelfaas;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingRangeTest {

    @Test
    void theFirstGoalRefusesAGivenValueThatALaterGoalWould() {
        for (Map<String, String> given : new Map[] {Map.of("unikernel.invokeTimeout", "0"),
                Map.of("unikernel.port", "70000"), Map.of("unikernel.replicas", "-1"),
                Map.of("unikernel.bootTimeout", "soon")}) {
            String property = given.keySet().iterator().next();
            UnikernelException e = assertThrows(UnikernelException.class, () -> SettingRange.checkGiven(given::get),
                    given.toString());
            String m = e.render();
            assertTrue(m.contains("-D" + property + "=") && m.contains("from ") && m.contains(given.get(property)),
                    m);
        }
        SettingRange.checkGiven(Map.of("unikernel.port", " 8080 ", "unikernel.other", "x")::get);
        SettingRange.checkGiven(Map.<String, String>of()::get);
    }

    @Test
    void theRangeIsInclusiveAtBothEnds() {
        SettingRange.PORT.check(1);
        SettingRange.PORT.check(65535);
        SettingRange.REPLICAS.check(0);
        assertThrows(UnikernelException.class, () -> SettingRange.PORT.check(0));
        assertThrows(UnikernelException.class, () -> SettingRange.PORT.check(65536));
    }
}
