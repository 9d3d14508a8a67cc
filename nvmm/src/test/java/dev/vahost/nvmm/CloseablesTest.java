package dev.vahost.nvmm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class CloseablesTest {
    @Test
    void everyPartIsClosedAndTheFirstFailureCarriesTheOthers() {
        List<String> closed = new ArrayList<>();
        IllegalStateException first = new IllegalStateException("first");
        Exception checked = new Exception("checked");
        RuntimeException e = assertThrows(IllegalStateException.class, () -> Closeables.closeAll(Arrays.asList(
                () -> closed.add("a"), () -> { closed.add("b"); throw first; }, null, () -> { closed.add("c"); throw checked; },
                () -> closed.add("d"))));
        assertSame(first, e);
        assertEquals(List.of("a", "b", "c", "d"), closed);
        assertEquals(1, e.getSuppressed().length);
        assertSame(checked, e.getSuppressed()[0].getCause(), "a checked exception is wrapped");
        Closeables.closeAll(List.of()); // nothing to close: no failure
    }
}
