/**
 * The NAT timeline picture as the renderer draws it: core's layout (core/views/nat-picture.ts), the same
 * one the HTML report draws, computed in the browser from the flow detail and divergence answers.
 */
export { changeText, layoutNatPicture, PICTURE_GEOMETRY } from '../../core/views/nat-picture';
export type { ConntrackBox, FieldChange, Lane, NatPicture, PictureArrow, PictureComparison, PictureStatus, PredictedArrow, Segment as PictureSegment } from '../../core/views/nat-picture';
