"""The data every script of the example shares: scikit-learn's bundled breast cancer set
(569 tumours, 30 features; nothing is downloaded), split the same way every time into a
training set, an offline holdout, and a slice kept back to play production."""
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

SEED = 7
FEATURES = load_breast_cancer().feature_names


def splits():
    """(X_train, y_train), (X_holdout, y_holdout), (X_prod, y_prod). Label 1 = malignant."""
    data = load_breast_cancer()
    X = data.data
    y = 1 - data.target  # scikit-learn codes benign as 1; the positive class here is malignant
    X_rest, X_prod, y_rest, y_prod = train_test_split(X, y, test_size=0.35, random_state=SEED, stratify=y)
    X_train, X_hold, y_train, y_hold = train_test_split(X_rest, y_rest, test_size=0.3, random_state=SEED, stratify=y_rest)
    return (X_train, y_train), (X_hold, y_hold), (X_prod, y_prod)


def holdout_metrics(y_true, y_pred, y_score):
    """The offline numbers, named the way production reports them."""
    from sklearn.metrics import accuracy_score, f1_score, log_loss, precision_score, recall_score, roc_auc_score

    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "precision": float(precision_score(y_true, y_pred, zero_division=0)),
        "recall": float(recall_score(y_true, y_pred)),
        "f1": float(f1_score(y_true, y_pred)),
        "roc_auc": float(roc_auc_score(y_true, y_score)),
        "log_loss": float(log_loss(y_true, np.clip(y_score, 1e-15, 1 - 1e-15))),
    }


class RadiusRule:
    """The incumbent: the rule the clinic used before any model — malignant when the mean
    radius is above a threshold. Has predict / predict_proba like a scikit-learn model."""

    def __init__(self, threshold):
        self.threshold = threshold

    def predict(self, X):
        return (X[:, 0] > self.threshold).astype(int)

    def predict_proba(self, X):
        # A soft version of the rule, so ROC AUC and log loss are defined.
        p = 1 / (1 + np.exp(-(X[:, 0] - self.threshold) / 1.5))
        return np.column_stack([1 - p, p])
