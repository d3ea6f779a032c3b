package dev.adam4j.tribuo;

import org.tribuo.math.Parameters;
import org.tribuo.math.la.DenseMatrix;
import org.tribuo.math.la.DenseVector;
import org.tribuo.math.la.Tensor;
import org.tribuo.math.protos.ParametersProto;

/** A {@link Parameters} over any tensors, updated the way Tribuo's own implementations are. */
public final class TestParameters implements Parameters {
    private static final long serialVersionUID = 1L;
    private Tensor[] tensors;

    public TestParameters(Tensor... tensors) {
        this.tensors = tensors;
    }

    /** Zero tensors of the same shapes (dense ones only), as Tribuo's optimisers ask for their moments. */
    @Override
    public Tensor[] getEmptyCopy() {
        Tensor[] out = new Tensor[tensors.length];
        for (int i = 0; i < tensors.length; i++) {
            out[i] = switch (tensors[i]) {
                case DenseMatrix m -> new DenseMatrix(m.getDimension1Size(), m.getDimension2Size());
                case DenseVector v -> new DenseVector(v.size());
                default -> throw new UnsupportedOperationException("no empty copy of a " + tensors[i].getClass().getName());
            };
        }
        return out;
    }
    @Override public Tensor[] get() { return tensors; }
    @Override public void set(Tensor[] newWeights) { tensors = newWeights; }

    @Override
    public void update(Tensor[] gradients) {
        for (int i = 0; i < gradients.length; i++) tensors[i].intersectAndAddInPlace(gradients[i]);
    }

    @Override public Tensor[] merge(Tensor[][] gradients, int size) { throw new UnsupportedOperationException(); }
    @Override public ParametersProto serialize() { throw new UnsupportedOperationException(); }
}
