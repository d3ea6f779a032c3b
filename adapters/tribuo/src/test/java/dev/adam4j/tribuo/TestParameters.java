package dev.adam4j.tribuo;

import org.tribuo.math.Parameters;
import org.tribuo.math.la.Tensor;
import org.tribuo.math.protos.ParametersProto;

/** A {@link Parameters} over any tensors, updated the way Tribuo's own implementations are. */
final class TestParameters implements Parameters {
    private static final long serialVersionUID = 1L;
    private Tensor[] tensors;

    TestParameters(Tensor... tensors) {
        this.tensors = tensors;
    }

    @Override public Tensor[] getEmptyCopy() { throw new UnsupportedOperationException(); }
    @Override public Tensor[] get() { return tensors; }
    @Override public void set(Tensor[] newWeights) { tensors = newWeights; }

    @Override
    public void update(Tensor[] gradients) {
        for (int i = 0; i < gradients.length; i++) tensors[i].intersectAndAddInPlace(gradients[i]);
    }

    @Override public Tensor[] merge(Tensor[][] gradients, int size) { throw new UnsupportedOperationException(); }
    @Override public ParametersProto serialize() { throw new UnsupportedOperationException(); }
}
