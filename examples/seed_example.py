import numpy as np
from shendu.models import Sequential
from shendu.layers import Dense

X_train = np.load("data/X_train.npy")
y_train = np.load("data/y_train.npy")

model = Sequential()
model.add(Dense(64, activation="relu", input_dim=100))
model.add(Dense(32, activation="relu"))
model.add(Dense(1, activation="sigmoid"))
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(X_train, y_train, batch_size=32, epochs=10)

# -- added after the seed script: accuracy on the held-out pair from make_seed_data.py --------
# The imports above keep the seed script's order, so the import-sorting rule is off here:
# ruff: noqa: I001
X_test = np.load("data/X_test.npy")
y_test = np.load("data/y_test.npy")
test_loss, test_accuracy = model.evaluate(X_test, y_test, verbose=0)
print(f"test accuracy: {test_accuracy:.4f}")
