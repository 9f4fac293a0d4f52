"""A tf_keras (legacy Keras 2) subclassed model built by calling it once: the TF1 worker."""

import os

os.environ["TF_USE_LEGACY_KERAS"] = "1"

import tensorflow as tf
import tf_keras

T, V, E, H = 5, 20, 6, 4


class TutorialLM(tf_keras.Model):
    def __init__(self):
        super().__init__(name="tutorial_lm")
        self.embedding = tf_keras.layers.Embedding(V, E, name="embedding")
        self.lstm = tf_keras.layers.LSTM(H, return_sequences=True, name="lstm")
        self.head = tf_keras.layers.Dense(V, name="head")

    def call(self, ids):
        return self.head(self.lstm(self.embedding(ids)))


def tutorial_lm():
    m = TutorialLM()
    m(tf.zeros([2, T], tf.int32))
    return m
