package dev.adam4j.optim;

import java.util.List;

/** Returned by every hook registration; {@link #remove()} unregisters it (idempotent). */
public final class HookHandle implements AutoCloseable {
    private final List<?> list;
    private final Object hook;

    HookHandle(List<?> list, Object hook) {
        this.list = list;
        this.hook = hook;
    }

    public void remove() {
        list.removeIf(h -> h == hook);
    }

    @Override
    public void close() {
        remove();
    }
}
