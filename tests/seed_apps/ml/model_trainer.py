# src/ml/model_trainer.py (seed 000, "3. Machine Learning Model Training")
# ruff: noqa: I001  (the imports as the seed writes them)
from snapy_capture import capture_args
import joblib
import numpy as np
from sklearn.ensemble import RandomForestClassifier


class ModelTrainer:
    @capture_args(
        path="./ml_captures",
        retention=2,
        ignore_args=["api_credentials"],  # Don't capture external API credentials
        # Large datasets might need special handling
        custom_filters=[lambda name, value: name != "training_data" or len(value) < 10000],
    )
    def train_model(
        self, training_data, target_variable, api_credentials=None, hyperparameters=None
    ):
        """Train ML model with comprehensive tracking"""

        # Data preprocessing
        X_processed, y_processed = self._preprocess_data(training_data, target_variable)

        # Feature engineering
        X_features = self._engineer_features(X_processed)

        # Model training
        model = self._train_with_hyperparameters(X_features, y_processed, hyperparameters)

        # Model evaluation
        evaluation_metrics = self._evaluate_model(model, X_features, y_processed)

        # Model persistence
        model_path = self._save_model(model, evaluation_metrics)

        return {
            "model_path": model_path,
            "evaluation_metrics": evaluation_metrics,
            "feature_importance": model.feature_importances_.tolist(),
            "training_summary": {
                "samples_trained": len(X_features),
                "features_used": X_features.shape[1],
                "model_type": type(model).__name__,
            },
        }

    # -- scaffolding: the steps the seed does not show ---------------------------------------

    model_dir = None

    def _preprocess_data(self, training_data, target_variable):
        columns = sorted(key for key in training_data[0] if key != target_variable)
        X = np.array([[float(row[column]) for column in columns] for row in training_data])
        y = np.array([int(row[target_variable]) for row in training_data])
        return X, y

    def _engineer_features(self, X):
        return np.hstack([X, (X[:, :1] * X[:, 1:2])])

    def _train_with_hyperparameters(self, X, y, hyperparameters):
        # a small, seeded, single-process forest: the same trees (and trace) on every run
        params = {"n_estimators": 2, "random_state": 0, "n_jobs": 1, **(hyperparameters or {})}
        return RandomForestClassifier(**params).fit(X, y)

    def _evaluate_model(self, model, X, y):
        return {"train_accuracy": round(float(model.score(X, y)), 4)}

    def _save_model(self, model, evaluation_metrics):
        path = f"{self.model_dir}/model.joblib"
        joblib.dump(model, path)
        return "model.joblib"
