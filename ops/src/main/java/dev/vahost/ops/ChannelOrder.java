package dev.vahost.ops;

/** Order of the three colour channels in an output image or tensor. */
public enum ChannelOrder {
    RGB,
    BGR
}
