package dev.adam4j.jmh;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The memory traffic one operation of a benchmark method moves, declared by the benchmark itself so
 * that the report can turn ops/s into GB/s without knowing benchmarks by name.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Traffic {
    /**
     * Bytes per element in f32: scaled by the width of the {@code precision} parameter when there is one
     * (twice as many for F64, half for BF16 and F16).
     */
    int f32Bytes();

    /**
     * The part of {@link #f32Bytes()} that is optimizer state (Adam's moments m and v, read and written:
     * 16), scaled by the width of the {@code stateDtype} parameter instead when it names a precision
     * (f32 parameters with bf16 moments: 12 + 8 = 20 bytes); 0: none declared.
     */
    int stateF32Bytes() default 0;

    /** Bytes per element in f32 when the {@code variant} parameter is AMSGRAD (a fifth stream); 0: the same. */
    int amsgradF32Bytes() default 0;

    /** Elements per operation; 0: the {@code size} parameter times {@link #sizeMultiple()}. */
    long elements() default 0;

    /** Operations that step {@code size} elements each (PollutedBench steps two buffers). */
    int sizeMultiple() default 1;
}
